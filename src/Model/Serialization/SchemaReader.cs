using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using YamlDotNet.RepresentationModel;

namespace L3Net.Model.Serialization;

/// <summary>
/// Turns a YAML (or JSON, which YAML reads too) node into the JSON the source-generated deserializer expects, guided
/// by the target's <see cref="JsonTypeInfo"/>: YAML scalars are untyped, so the schema decides whether <c>64512</c> is
/// a string or a number. Fields the schema does not know are reported by path, never silently dropped.
/// </summary>
internal sealed class SchemaReader(Action<string> unknownField, Action<string> error)
{
    public JsonNode? Read(YamlNode node, JsonTypeInfo info, string path)
    {
        if (IsNull(node))
            return null;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is YamlMappingNode map:
                return ReadObject(map, info, path);
            case JsonTypeInfoKind.Dictionary when node is YamlMappingNode map:
                var dictionary = new JsonObject();
                foreach (var (key, value) in map.Children)
                    dictionary[Name(key)] = Entry(value, info.Options.GetTypeInfo(info.ElementType!), $"{path}.{Name(key)}");
                return dictionary;
            case JsonTypeInfoKind.Enumerable when node is YamlSequenceNode sequence:
                return new JsonArray(sequence.Children
                    .Select((item, i) => Entry(item, info.Options.GetTypeInfo(info.ElementType!), $"{path}[{i}]")).ToArray());
            case JsonTypeInfoKind.None when node is YamlScalarNode scalar:
                return Scalar(scalar, Nullable.GetUnderlyingType(info.Type) ?? info.Type, path);
            default:
                error($"{path}: expected {Describe(info.Kind)} (line {node.Start.Line})");
                return null;
        }
    }

    private JsonObject ReadObject(YamlMappingNode map, JsonTypeInfo info, string path)
    {
        var result = new JsonObject();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = Name(keyNode);
            var field = path.Length == 0 ? key : $"{path}.{key}";
            var property = info.Properties.FirstOrDefault(p => p.Name == key && p.Set is not null);
            if (property is null)
                unknownField(field);
            else if (!IsNull(value)) // "field: ~" leaves the field unset, with its default, as the API server does
                result[key] = Read(value, info.Options.GetTypeInfo(property.PropertyType), field);
        }
        return result;
    }

    /// <summary>A list item or map value: an empty one ("- ~", "key:") is an error, since the resources hold no null entries.</summary>
    private JsonNode? Entry(YamlNode node, JsonTypeInfo info, string path)
    {
        if (!IsNull(node))
            return Read(node, info, path);
        error($"{path}: empty entry (line {node.Start.Line})");
        return null;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    private JsonNode? Scalar(YamlScalarNode scalar, Type type, string path)
    {
        var text = scalar.Value ?? "";
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(string) || type == typeof(DateTimeOffset))
            return JsonValue.Create(text);
        if (type == typeof(bool) && bool.TryParse(text, out var flag))
            return JsonValue.Create(flag);
        if (type == typeof(int) && int.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var i))
            return JsonValue.Create(i);
        if (type == typeof(uint) && uint.TryParse(text, NumberStyles.None, invariant, out var u))
            return JsonValue.Create(u);
        if (type == typeof(long) && long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var l))
            return JsonValue.Create(l);
        error($"{path}: '{text}' is not {(type == typeof(bool) ? "true or false" : "an integer")} (line {scalar.Start.Line})");
        return null;
    }

    private static string Name(YamlNode key) => key is YamlScalarNode { Value: { } s } ? s : key.ToString();

    private static string Describe(JsonTypeInfoKind kind) => kind switch
    {
        JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "a mapping",
        JsonTypeInfoKind.Enumerable => "a list",
        _ => "a single value",
    };
}
