using System.Xml.Linq;
using Xunit;

namespace L3Net.Tests.Unit.Foundation;

/// <summary>
/// Dependencies point one way (docs/architecture.md): a project may reference only the components listed for it
/// here. Adding a reference that breaks the layering fails this test, so the rule cannot rot silently.
/// </summary>
public sealed class DependencyRulesTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Model"] = [],
        ["Datastore"] = ["Model"],
        ["Ipam"] = ["Datastore"],
        ["Bgp"] = [],
        ["Bfd"] = [],
        ["Netlink"] = [],
        ["Felix"] = ["Netlink", "Model"],
        ["Lab"] = ["Model", "Datastore"],
        ["Cni"] = ["Ipam", "Netlink"],
        ["Node"] = ["Felix", "Bgp", "Bfd", "Ipam"],
        ["Cli"] = ["Ipam", "Lab"],
    };

    public static TheoryData<string> Components()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(RepoRoot(), "src")))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Component_references_only_what_the_layering_allows(string component)
    {
        Assert.True(Allowed.TryGetValue(component, out var allowed), $"src/{component} is not in the layering table: add it here and to docs/architecture.md");
        var csproj = Directory.GetFiles(Path.Combine(RepoRoot(), "src", component), "*.csproj").Single();
        var referenced = XDocument.Load(csproj).Descendants("ProjectReference")
            .Select(r => Path.GetFileName(Path.GetDirectoryName(r.Attribute("Include")!.Value.Replace('\\', '/')))!)
            .ToList();
        var forbidden = referenced.Except(allowed).ToList();
        Assert.True(forbidden.Count == 0, $"src/{component} references {string.Join(", ", forbidden)}, which the layering forbids");
    }

    [Theory]
    [InlineData("Bgp")]
    [InlineData("Bfd")]
    public void The_protocol_engines_know_nothing_of_the_kernel(string component)
    {
        var sources = Directory.GetFiles(Path.Combine(RepoRoot(), "src", component), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"));
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("L3Net.Netlink", text);
            Assert.DoesNotContain("L3Net.Felix", text);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "L3Net.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("L3Net.sln not found above " + AppContext.BaseDirectory);
    }
}
