using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using L3Net.Model.Resources;
using YamlDotNet.Core;

namespace L3Net.Cli.Resources;

/// <summary>One resource read from a manifest, with where it came from for error messages.</summary>
public sealed record Manifest(Resource Resource, string Source, int Document)
{
    public string Where => $"{Source} document {Document}";
}

/// <summary>
/// Manifests (l3net.io/v1 and Calico's projectcalico.org/v3, YAML or JSON, several documents, List kinds) to typed
/// resources and back. Input is read through the model's source-generated JSON contract, so field names are the
/// storage names; Calico fields L3Net does not model (ipipMode, vxlanMode, …) are ignored so Calico manifests apply
/// unchanged. Scalars are coerced to the declared type where YAML typed them differently (<c>asNumber: 64512</c>
/// into a string field, a numeric label value).
/// </summary>
public static partial class ManifestCodec
{
    public const string CalicoApiVersion = "projectcalico.org/v3";
    private static readonly string[] FirstFields = ["apiVersion", "kind", "metadata", "spec"];

    public static IReadOnlyList<Manifest> Parse(string text, string source)
    {
        IReadOnlyList<JsonNode?> documents;
        try
        {
            documents = YamlJson.ReadDocuments(text);
        }
        catch (YamlException e)
        {
            throw Invalid($"{source}: not valid YAML or JSON at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }
        var result = new List<Manifest>();
        for (var i = 0; i < documents.Count; i++)
        {
            var where = $"{source} document {i + 1}";
            switch (documents[i])
            {
                case null:
                    continue;
                case JsonArray items:
                    result.AddRange(items.Select(item => new Manifest(Decode(item, where), source, i + 1)));
                    break;
                case JsonObject o when IsList(o):
                    result.AddRange((o["items"] as JsonArray ?? []).Select(item => new Manifest(Decode(item, where), source, i + 1)));
                    break;
                default:
                    result.Add(new Manifest(Decode(documents[i], where), source, i + 1));
                    break;
            }
        }
        return result;
    }

    /// <summary>The resource as an ordered JSON tree: apiVersion, kind, metadata, spec; empty label/annotation maps
    /// left out.</summary>
    public static JsonObject ToNode(Resource resource)
    {
        var kind = ResourceKinds.Of(resource.GetType());
        var node = JsonSerializer.SerializeToNode(resource, kind.JsonTypeInfo)!.AsObject();
        var ordered = new JsonObject();
        foreach (var name in FirstFields.Where(node.ContainsKey).Concat(node.Select(p => p.Key).Except(FirstFields)).ToList())
        {
            var value = node[name];
            node.Remove(name);
            ordered[name] = value;
        }
        if (ordered["metadata"] is JsonObject metadata)
            foreach (var empty in metadata.Where(p => p.Value is JsonObject { Count: 0 }).Select(p => p.Key).ToList())
                metadata.Remove(empty);
        return ordered;
    }

    public static string ToYaml(IReadOnlyList<Resource> resources) =>
        string.Join("---\n", resources.Select(r => YamlJson.Write(ToNode(r))));

    /// <summary>One object for one resource, a <c>List</c> for several (which <see cref="Parse"/> reads back).</summary>
    public static string ToJson(IReadOnlyList<Resource> resources, bool single)
    {
        JsonNode node = single
            ? ToNode(resources[0])
            : new JsonObject
            {
                ["apiVersion"] = Resource.ApiVersionV1,
                ["kind"] = "List",
                ["items"] = new JsonArray([.. resources.Select(r => (JsonNode)ToNode(r))]),
            };
        return node.ToJsonString(Output.JsonOptions.Indented);
    }

    /// <summary>True when applying <paramref name="desired"/> over <paramref name="current"/> would change nothing a
    /// user wrote: revision, creation time and API version are bookkeeping.</summary>
    public static bool SameContent(Resource current, Resource desired) =>
        JsonNode.DeepEquals(Comparable(current), Comparable(desired));

    private static JsonObject Comparable(Resource resource)
    {
        var node = ToNode(resource);
        node.Remove("apiVersion");
        if (node["metadata"] is JsonObject metadata)
        {
            metadata.Remove("resourceVersion");
            metadata.Remove("creationTimestamp");
        }
        return node;
    }

    private static bool IsList(JsonObject o) =>
        o["kind"] is JsonValue k && k.TryGetValue<string>(out var kind) && kind.EndsWith("List", StringComparison.Ordinal)
        && o.ContainsKey("items");

    /// <summary>A resource from its JSON tree (with kind and apiVersion); <paramref name="where"/> names it in errors.</summary>
    public static Resource Decode(JsonNode? node, string where)
    {
        if (node is not JsonObject o)
            throw Invalid($"{where}: expected a resource object");
        var kindName = o["kind"] is JsonValue k && k.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrEmpty(kindName))
            throw Invalid($"{where}: kind is missing");
        var kind = ResourceKinds.All.FirstOrDefault(x => x.Kind == kindName)
            ?? throw Invalid($"{where}: unknown kind '{kindName}' (known: {string.Join(", ", ResourceKinds.All.Select(x => x.Kind))})");
        var apiVersion = o["apiVersion"] is JsonValue a && a.TryGetValue<string>(out var v) ? v : null;
        if (apiVersion is not (Resource.ApiVersionV1 or CalicoApiVersion))
            throw Invalid($"{where}: apiVersion '{apiVersion}' is not {Resource.ApiVersionV1} or {CalicoApiVersion}");
        if (o["metadata"]?["name"] is not JsonValue)
            throw Invalid($"{where}: metadata.name is missing");
        var copy = (JsonObject)o.DeepClone();
        copy.Remove("kind");
        try
        {
            Coerce(copy, kind.JsonTypeInfo);
            var resource = (Resource)copy.Deserialize(kind.JsonTypeInfo)!;
            // Stored in L3Net's own version: a Calico manifest and its l3net.io/v1 read-back are the same resource.
            resource.ApiVersion = Resource.ApiVersionV1;
            return resource;
        }
        catch (JsonException e)
        {
            throw Invalid($"{where} ({kindName} '{o["metadata"]?["name"]}'): field {e.Path?.TrimStart('$', '.')}: {FirstSentence(e.Message)}", e);
        }
    }

    /// <summary>Rewrites scalars YAML typed as numbers or booleans into strings where the contract declares a string,
    /// recursively through objects, dictionaries and lists.</summary>
    private static void Coerce(JsonNode? node, JsonTypeInfo info)
    {
        switch (node)
        {
            case JsonObject o when info.Kind == JsonTypeInfoKind.Object:
                foreach (var (name, value) in o.ToList())
                    if (info.Properties.FirstOrDefault(p => p.Name == name) is { } property)
                        CoerceChild(value, info.Options.GetTypeInfo(property.PropertyType), v => o[name] = v);
                break;
            case JsonObject o when info.Kind == JsonTypeInfoKind.Dictionary && info.ElementType is { } element:
                foreach (var (name, value) in o.ToList())
                    CoerceChild(value, info.Options.GetTypeInfo(element), v => o[name] = v);
                break;
            case JsonArray a when info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element:
                for (var i = 0; i < a.Count; i++)
                {
                    var index = i;
                    CoerceChild(a[i], info.Options.GetTypeInfo(element), v => a[index] = v);
                }
                break;
        }
    }

    private static void CoerceChild(JsonNode? child, JsonTypeInfo info, Action<JsonNode> replace)
    {
        if (child is JsonValue v && info.Type == typeof(string) && v.GetValueKind() is not JsonValueKind.String)
            replace(JsonValue.Create(v.ToJsonString()));
        else
            Coerce(child, info);
    }

    /// <summary>"The JSON value could not be converted to System.Nullable`1[System.Int32]" becomes "… to Int32".</summary>
    private static string FirstSentence(string message) =>
        TypeName().Replace(message.Split(". Path:", 2)[0], "$1");

    [System.Text.RegularExpressions.GeneratedRegex(@"System\.(?:Nullable`1\[System\.)?(\w+)\]?")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    private static CliException Invalid(string message, Exception? inner = null) => new(ExitCode.InvalidResource, message, inner);
}
