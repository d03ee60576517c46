using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace L3Net.Tests.Unit.Foundation;

/// <summary>
/// Dependencies point one way (docs/architecture.md): a project may reference only the components listed for it
/// here. Adding a reference that breaks the layering fails this test, so the rule cannot rot silently. The src projects
/// build with <c>DisableTransitiveProjectReferences</c> (Directory.Build.props), so what a project declares is all it
/// can compile against, and the table is the real graph.
/// </summary>
public sealed partial class DependencyRulesTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Model"] = [],
        ["Datastore"] = ["Model"],
        ["Ipam"] = ["Datastore", "Model"],
        ["Bgp"] = [],
        ["Bfd"] = [],
        ["Netlink"] = [],
        ["Felix"] = ["Netlink", "Model"],
        ["Lab"] = ["Ipam", "Model", "Datastore"], // Ipam: the chaos soak checks `ipam check` as the CLI does
        ["Cni"] = ["Ipam", "Netlink", "Datastore", "Model"],
        ["Node"] = ["Cni", "Felix", "Bgp", "Bfd", "Ipam", "Netlink", "Datastore", "Model"],
        ["Cli"] = ["Ipam", "Lab", "Datastore", "Model"],
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
        var forbidden = References(component).Except(allowed).ToList();
        Assert.True(forbidden.Count == 0, $"src/{component} references {string.Join(", ", forbidden)}, which the layering forbids");
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Component_declares_every_component_it_uses(string component)
    {
        var declared = References(component).Append(component).ToHashSet();
        var used = Sources(component)
            .SelectMany(f => UsedComponent().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Where(Allowed.ContainsKey)
            .ToHashSet();
        var undeclared = used.Except(declared).Order().ToList();
        Assert.True(undeclared.Count == 0, $"src/{component} uses {string.Join(", ", undeclared)} without a ProjectReference of its own");
    }

    [Fact]
    public void Src_projects_compile_against_their_declared_references_only()
    {
        var props = XDocument.Load(Path.Combine(RepoRoot(), "Directory.Build.props"));
        var group = props.Descendants("DisableTransitiveProjectReferences").SingleOrDefault();
        Assert.True(group is not null && group.Value == "true", "Directory.Build.props must set DisableTransitiveProjectReferences for the src projects");
        Assert.Contains("/src/", group.Parent!.Attribute("Condition")?.Value ?? "");
    }

    [Theory]
    [InlineData("Bgp")]
    [InlineData("Bfd")]
    public void The_protocol_engines_know_nothing_of_the_kernel(string component)
    {
        foreach (var file in Sources(component))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("L3Net.Netlink", text);
            Assert.DoesNotContain("L3Net.Felix", text);
        }
    }

    /// <summary>The components a project names in its ProjectReferences (by folder).</summary>
    private static List<string> References(string component)
    {
        var csproj = Directory.GetFiles(Path.Combine(RepoRoot(), "src", component), "*.csproj").Single();
        return XDocument.Load(csproj).Descendants("ProjectReference")
            .Select(r => Path.GetFileName(Path.GetDirectoryName(r.Attribute("Include")!.Value.Replace('\\', '/')))!)
            .ToList();
    }

    private static IEnumerable<string> Sources(string component) =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "src", component), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"));

    [GeneratedRegex(@"^\s*using\s+(?:static\s+)?(?:\w+\s*=\s*)?L3Net\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsedComponent();

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "L3Net.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("L3Net.sln not found above " + AppContext.BaseDirectory);
    }
}
