using L3Net.Cli.Resources;
using L3Net.Model.Resources;
using L3Net.Model.Serialization;

namespace L3Net.Cli.Output;

/// <summary>Prints what <c>get</c> found in the <c>-o</c> format: one table per kind, or manifests that apply back.</summary>
public static class ResourcePrinter
{
    public static async Task WriteAsync(IReadOnlyList<Resource> items, OutputFormat format, bool single, bool allNamespaces,
        ResourceActions actions, CliConsole console, CancellationToken ct)
    {
        switch (format)
        {
            case OutputFormat.Yaml when items.Count > 0:
                console.Out.Write(ResourceCodec.ToYaml(items));
                break;
            case OutputFormat.Json when items.Count > 0:
                console.Out.WriteLine(ResourceJson.ToJson(items, single));
                break;
            case OutputFormat.Name:
                foreach (var r in items)
                    console.Out.WriteLine(ResourceActions.Ref(r));
                break;
            case OutputFormat.Table or OutputFormat.Wide when items.Count > 0:
                var first = true;
                foreach (var group in items.GroupBy(r => r.GetType()))
                {
                    if (!first)
                        console.Out.WriteLine();
                    first = false;
                    var kind = ResourceKinds.Of(group.Key);
                    var wide = format == OutputFormat.Wide;
                    var clusterAs = wide && kind.ClrType == typeof(NodeResource) ? await ClusterAsNumberAsync(actions, ct) : "";
                    ResourceTables.Build(kind, group, wide, clusterAs, kind.Namespaced && allNamespaces).WriteTo(console);
                }
                break;
            default:
                // Nothing on stdout, so scripts reading it see an empty list, as with kubectl.
                console.Error.WriteLine("No resources found.");
                break;
        }
    }

    private static async Task<string> ClusterAsNumberAsync(ResourceActions actions, CancellationToken ct) =>
        (await actions.Store.GetAsync<BGPConfiguration>(BGPConfiguration.DefaultName, ct: ct))?.Spec.AsNumber ?? Asn.Default.ToString();
}
