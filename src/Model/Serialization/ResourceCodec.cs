using System.Text.Json;
using System.Text.Json.Nodes;
using L3Net.Model.Resources;
using L3Net.Model.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace L3Net.Model.Serialization;

/// <summary>Resources read from a text, with what the reader chose to ignore (Calico-only fields).</summary>
public sealed record ParsedResources(IReadOnlyList<Resource> Resources, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads and writes resource documents. Input: multi-document YAML or JSON (a single object, an array, or a
/// <c>kind: List</c> with <c>items</c>), <c>l3net.io/v1</c>, Calico's <c>projectcalico.org/v3</c> for IPPool,
/// IPReservation, IPAMConfiguration, BGPPeer, BGPFilter, BGPConfiguration and Node (spec fields L3Net does not implement
/// are errors for the IPAM kinds, BGPFilter and Node, warnings for BGPPeer and BGPConfiguration), and <c>networking.k8s.io/v1</c>
/// NetworkPolicy. Every document is validated, and pools in one text must not overlap each other.
/// </summary>
public static class ResourceCodec
{
    public const string CalicoApiVersion = "projectcalico.org/v3";
    private const string KubeNetworkingApiVersion = "networking.k8s.io/v1";
    private static readonly string[] CalicoKinds = ["IPPool", "BGPPeer", "BGPFilter", "BGPConfiguration", "Node", "IPReservation", "IPAMConfiguration"];

    /// <summary>Kinds whose every Calico spec field L3Net either implements or refuses: an unknown field under
    /// <c>spec</c> is an error, as it would otherwise be accepted and do nothing. Outside <c>spec</c> (status,
    /// server-set metadata such as uid) Calico ignores what it is sent too, so those stay warnings.</summary>
    private static readonly string[] StrictCalicoKinds = ["IPPool", "BGPFilter", "Node", "IPReservation", "IPAMConfiguration"];

    /// <summary>Throws <see cref="ResourceFormatException"/> naming the source, document and field.</summary>
    public static ParsedResources Parse(string text, string source = "<input>")
    {
        var resources = new List<Resource>();
        var warnings = new List<string>();
        var index = 0;
        foreach (var document in Documents(text, source))
        {
            index++;
            var resource = ParseDocument(document, source, index, warnings);
            var errors = ResourceValidator.Validate(resource).ToList();
            if (resource is IPPool pool)
                errors.AddRange(ResourceValidator.PoolOverlaps(pool, resources.OfType<IPPool>()));
            if (errors.Count > 0)
                throw new ResourceFormatException(source, index, errors);
            resources.Add(resource);
        }
        return new ParsedResources(resources, warnings);
    }

    public static string ToJson(Resource resource) => Ordered(resource).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>One YAML document per resource, separated by <c>---</c>.</summary>
    public static string ToYaml(IEnumerable<Resource> resources)
    {
        var stream = new YamlStream(resources.Select(r => new YamlDocument(YamlWriter.ToYaml(Ordered(r)))));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal).TrimEnd('.', '\n') + "\n";
    }

    public static string ToYaml(Resource resource) => ToYaml([resource]);

    private static IEnumerable<YamlNode> Documents(string text, string source)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw new ResourceFormatException(source, 1, [$"malformed YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}"]);
        }
        catch (ArgumentException)
        {
            // YamlDotNet's loader refuses this way a mapping entry with nothing before its colon (" : value"); the
            // parser has moved on by then, so its position is an upper bound.
            throw new ResourceFormatException(source, 1, [$"malformed YAML at or before line {parser.Current?.Start.Line}: a mapping entry has no key"]);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way when the text ends inside an open flow collection or quote.
            throw new ResourceFormatException(source, 1, ["malformed YAML: the text ends inside an unclosed '{', '[' or quote"]);
        }
        foreach (var root in stream.Documents.Select(d => d.RootNode))
        {
            if (root is YamlSequenceNode array)
                foreach (var item in array.Children)
                    yield return item;
            else if (root is YamlMappingNode map && Field(map, "kind") == "List" && map.Children.TryGetValue("items", out var items)
                     && items is YamlSequenceNode list)
                foreach (var item in list.Children)
                    yield return item;
            else if (root is not YamlScalarNode { Value: null or "" })
                yield return root;
        }
    }

    private static Resource ParseDocument(YamlNode node, string source, int index, List<string> warnings)
    {
        ResourceFormatException Error(string what) => new(source, index, [what]);
        if (node is not YamlMappingNode map)
            throw Error($"expected a mapping with apiVersion, kind, metadata and spec (line {node.Start.Line})");
        var apiVersion = Field(map, "apiVersion");
        var kindName = Field(map, "kind");
        var kind = ResourceKinds.All.FirstOrDefault(k => k.Kind == kindName)
                   ?? throw Error($"kind: unknown kind '{kindName}' (known: {string.Join(", ", ResourceKinds.All.Select(k => k.Kind))})");
        var calico = apiVersion == CalicoApiVersion && CalicoKinds.Contains(kind.Kind);
        if (apiVersion != Resource.ApiVersionV1 && !calico && !(apiVersion == KubeNetworkingApiVersion && kind.Kind == "NetworkPolicy"))
            throw Error($"apiVersion: '{apiVersion}' is not supported for {kind.Kind} (use {Resource.ApiVersionV1})");

        var errors = new List<string>();
        var what = $"{source}: document {index} ({kind.Kind} '{MetadataName(map)}')";
        var strict = StrictCalicoKinds.Contains(kind.Kind);
        var reader = new SchemaReader(unknown =>
        {
            if (!calico)
                errors.Add($"{unknown}: unknown field");
            else if (strict && unknown.StartsWith("spec.", StringComparison.Ordinal))
                errors.Add($"{unknown}: Calico field not supported by L3Net (remove it; L3Net would not act on it)");
            else
                warnings.Add($"{what}: Calico field {unknown} is not used by L3Net and was ignored");
        }, errors.Add);
        var body = new YamlMappingNode(map.Children.Where(c => Field(c.Key) is not ("apiVersion" or "kind")));
        var json = reader.Read(body, kind.JsonTypeInfo, "");
        if (errors.Count > 0)
            throw new ResourceFormatException(source, index, errors);
        var resource = (Resource)json.Deserialize(kind.JsonTypeInfo)!;
        resource.ApiVersion = Resource.ApiVersionV1;
        return resource;
    }

    /// <summary>apiVersion, kind, metadata, spec: the order people read documents in.</summary>
    private static JsonObject Ordered(Resource resource)
    {
        var kind = ResourceKinds.Of(resource.GetType());
        var node = JsonSerializer.SerializeToNode(resource, kind.JsonTypeInfo)!.AsObject();
        var ordered = new JsonObject();
        foreach (var name in new[] { "apiVersion", "kind", "metadata", "spec" })
            if (node.Remove(name, out var value))
                ordered[name] = value;
        return ordered;
    }

    private static string? Field(YamlMappingNode map, string name)
        => map.Children.TryGetValue(name, out var v) && v is YamlScalarNode s ? s.Value : null;

    private static string? Field(YamlNode key) => (key as YamlScalarNode)?.Value;

    private static string? MetadataName(YamlMappingNode map)
        => map.Children.TryGetValue("metadata", out var m) && m is YamlMappingNode meta ? Field(meta, "name") : null;
}
