using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace L3Net.Datastore.Kubernetes;

/// <summary>
/// Turns datastore values into API objects and back. A typed value is the resource's own JSON
/// (<c>apiVersion</c>, <c>kind</c>, <c>metadata</c>, <c>spec</c>): the object is that document with the API's
/// metadata; reading strips what the server added (uid, managedFields, ...) so a value reads back as written.
/// A record wraps any JSON value as <c>spec: {key, value}</c>.
/// </summary>
public static class KubeObjectCodec
{
    private static readonly string[] KeptMetadata = ["labels", "annotations", "creationTimestamp"];

    public static JsonObject ToObject(KubeObjectRef target, ReadOnlyMemory<byte> value, long? resourceVersion)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(value.Span);
        }
        catch (JsonException e)
        {
            throw new DatastoreException($"{target.Key}: value is not JSON ({e.Message})", e);
        }
        var resource = target.Route.Resource;
        var meta = new JsonObject { ["name"] = target.Name };
        if (target.Namespace is not null)
            meta["namespace"] = target.Namespace;
        if (resourceVersion is { } rv)
            meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);

        if (target.Route.IsRecord)
        {
            meta["annotations"] = new JsonObject { [KubeKeyMap.KeyAnnotation] = target.Key };
            return new JsonObject
            {
                ["apiVersion"] = resource.ApiVersion,
                ["kind"] = resource.Kind,
                ["metadata"] = meta,
                ["spec"] = new JsonObject { ["key"] = target.Key, ["value"] = WithoutNulls(parsed) },
            };
        }

        if (parsed is not JsonObject doc)
            throw new DatastoreException($"{target.Key}: a {resource.Kind} value must be a JSON object");
        var obj = new JsonObject { ["apiVersion"] = resource.ApiVersion, ["kind"] = resource.Kind, ["metadata"] = meta };
        var sourceMeta = doc["metadata"] as JsonObject;
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (sourceMeta?[field] is JsonObject map && map.Count > 0)
                meta[field] = map.DeepClone();
        }
        if (target.Encoded)
        {
            var annotations = meta["annotations"] as JsonObject ?? [];
            annotations[KubeKeyMap.KeyAnnotation] = target.Key;
            meta["annotations"] = annotations;
        }
        foreach (var (name, node) in doc)
        {
            if (name is not ("apiVersion" or "kind" or "metadata"))
                obj[name] = WithoutNulls(node);
        }
        return obj;
    }

    /// <summary>The key, value and revision an API object stands for.</summary>
    public static KeyValue FromObject(KubeRoute route, JsonObject obj)
    {
        var key = KubeKeyMap.KeyOf(route, obj);
        var meta = obj["metadata"] as JsonObject ?? [];
        var revision = Revision(meta["resourceVersion"]?.GetValue<string>(), key);
        JsonNode? value;
        if (route.IsRecord)
            value = obj["spec"]?["value"]?.DeepClone();
        else
        {
            var lastSlash = key.LastIndexOf('/');
            var cleanMeta = new JsonObject { ["name"] = key[(lastSlash + 1)..] };
            if (meta["namespace"] is { } ns)
                cleanMeta["namespace"] = ns.DeepClone();
            foreach (var field in KeptMetadata)
            {
                if (meta[field] is { } node)
                    cleanMeta[field] = node.DeepClone();
            }
            if (cleanMeta["annotations"] is JsonObject annotations)
            {
                annotations.Remove(KubeKeyMap.KeyAnnotation);
                if (annotations.Count == 0)
                    cleanMeta.Remove("annotations");
            }
            cleanMeta["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
            // The value is an l3net resource whatever group stores it (NetworkPolicy lives in networking.k8s.io).
            var doc = new JsonObject { ["apiVersion"] = $"{KubeKeyMap.Group}/{KubeKeyMap.Version}", ["kind"] = route.Resource.Kind, ["metadata"] = cleanMeta };
            foreach (var (name, node) in obj)
            {
                if (name is not ("apiVersion" or "kind" or "metadata"))
                    doc[name] = node?.DeepClone();
            }
            value = doc;
        }
        return new KeyValue(key, System.Text.Encoding.UTF8.GetBytes(value?.ToJsonString() ?? "null"), revision);
    }

    /// <summary>The API's resourceVersion as the datastore's revision. Kubernetes calls it opaque, but every
    /// etcd-backed API server hands out etcd's store-wide revision as a decimal integer, which is exactly the
    /// ordering the datastore contract needs.</summary>
    public static long Revision(string? resourceVersion, string what) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv)
            ? rv
            : throw new DatastoreException($"{what}: resourceVersion '{resourceVersion}' is not an integer; this API server's storage is not supported");

    /// <summary>The API rejects explicit nulls where the schema says string or object: absent means unset.</summary>
    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o)
                {
                    if (v is not null)
                        copy[k] = WithoutNulls(v);
                }
                return copy;
            case JsonArray a:
                return new JsonArray(a.Select(WithoutNulls).ToArray());
            default:
                return node?.DeepClone();
        }
    }
}
