using System.Globalization;
using System.Text.Json.Nodes;
using L3Net.Tests.Unit.Foundation;
using YamlDotNet.RepresentationModel;

namespace L3Net.Tests.Unit.Deploy;

/// <summary>Every YAML document under deploy/, as JSON nodes (the form the API server sees), with lookups by kind
/// and name for the cross-reference tests.</summary>
internal static class DeployManifests
{
    public static string Dir => Path.Combine(DependencyRulesTests.RepoRoot(), "deploy");

    public static IReadOnlyList<(string File, JsonObject Doc)> All { get; } = Load();

    public static IEnumerable<JsonObject> OfKind(string kind) => All.Where(d => Str(d.Doc, "kind") == kind).Select(d => d.Doc);

    public static JsonObject Get(string kind, string name) =>
        OfKind(kind).SingleOrDefault(d => Str(d, "metadata.name") == name)
        ?? throw new Xunit.Sdk.XunitException($"deploy/ has no {kind} named {name}");

    /// <summary>The value at a dotted path (<c>spec.template.spec.hostNetwork</c>), as a string; null when absent.</summary>
    public static string? Str(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
            node = node?[part];
        return node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
    }

    public static JsonNode? At(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
            node = node?[part];
        return node;
    }

    private static List<(string, JsonObject)> Load()
    {
        var docs = new List<(string, JsonObject)>();
        foreach (var file in Directory.GetFiles(Dir, "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            foreach (var doc in stream.Documents)
                docs.Add((Path.GetFileName(file), (JsonObject)ToJson(doc.RootNode)!));
        }
        return docs;
    }

    /// <summary>YAML to JSON with YAML 1.2 core-schema typing of plain scalars (true/false, integers, null), which
    /// is how kubectl reads the files; quoted scalars stay strings.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode s when s.Style is YamlDotNet.Core.ScalarStyle.Plain => s.Value switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            "null" or "~" or "" => null,
            var v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            var v => JsonValue.Create(v),
        },
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };
}
