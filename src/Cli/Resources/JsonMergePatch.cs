using System.Text.Json.Nodes;

namespace L3Net.Cli.Resources;

/// <summary>RFC 7386 JSON merge patch: objects merge member by member, <c>null</c> removes a member, anything else
/// (arrays included) replaces the target value.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
            return patch?.DeepClone();
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
                result.Remove(name);
            else
                result[name] = Apply(result[name], value);
        }
        return result;
    }
}
