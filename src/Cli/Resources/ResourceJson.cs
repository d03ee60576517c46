using System.Text.Json;
using System.Text.Json.Nodes;
using L3Net.Model.Resources;
using L3Net.Model.Serialization;

namespace L3Net.Cli.Resources;

/// <summary>The JSON views of resources the CLI needs beyond <see cref="ResourceCodec"/>: a <c>List</c> for
/// <c>get -o json</c> of several resources (which the codec reads back), the tree a merge patch applies to, and the
/// content comparison that makes re-applying an unchanged manifest a no-op.</summary>
public static class ResourceJson
{
    public static JsonObject ToNode(Resource resource) =>
        JsonSerializer.SerializeToNode(resource, ResourceKinds.Of(resource.GetType()).JsonTypeInfo)!.AsObject();

    /// <summary>One object for one resource, a <c>kind: List</c> with <c>items</c> for several.</summary>
    public static string ToJson(IReadOnlyList<Resource> resources, bool single)
    {
        JsonNode node = single
            ? JsonNode.Parse(ResourceCodec.ToJson(resources[0]))!
            : new JsonObject
            {
                ["apiVersion"] = Resource.ApiVersionV1,
                ["kind"] = "List",
                ["items"] = new JsonArray([.. resources.Select(r => JsonNode.Parse(ResourceCodec.ToJson(r)))]),
            };
        return node.ToJsonString(Output.JsonOptions.Indented);
    }

    /// <summary>True when writing <paramref name="desired"/> over <paramref name="current"/> would change nothing a
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
}
