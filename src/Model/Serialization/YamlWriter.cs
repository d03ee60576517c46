using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace L3Net.Model.Serialization;

/// <summary>JSON tree to YAML tree. Strings a YAML reader would take for another type (<c>true</c>, <c>64512</c>,
/// <c>null</c>, empty) or would fold are double-quoted so that any tool reads back what was written.</summary>
internal static partial class YamlWriter
{
    public static YamlNode ToYaml(JsonNode? node) => node switch
    {
        JsonObject o => new YamlMappingNode(o.Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Key), ToYaml(p.Value)))),
        JsonArray a => new YamlSequenceNode(a.Select(ToYaml)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => String(v.GetValue<string>()),
        null => new YamlScalarNode("null"),
        _ => new YamlScalarNode(node.ToJsonString()),
    };

    private static YamlScalarNode String(string s)
        => new(s) { Style = AmbiguousPlain().IsMatch(s) || NeedsEscapes(s) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };

    /// <summary>Line breaks and edge spaces would be folded or trimmed in any other style.</summary>
    private static bool NeedsEscapes(string s) => s.Any(char.IsControl) || s.Trim() != s;

    [GeneratedRegex(@"^(|~|null|true|false|yes|no|on|off|[-+]?[0-9][0-9_.:eE+-]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex AmbiguousPlain();
}
