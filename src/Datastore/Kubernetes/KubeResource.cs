using System.Text.Json.Nodes;

namespace L3Net.Datastore.Kubernetes;

/// <summary>One API resource type (<c>pods</c>, <c>ippools.l3net.io</c>) and the REST paths that address it.</summary>
public sealed record KubeResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public static readonly KubeResource Pods = new("", "v1", "pods", "Pod", true);
    public static readonly KubeResource Nodes = new("", "v1", "nodes", "Node", false);
    public static readonly KubeResource Namespaces = new("", "v1", "namespaces", "Namespace", false);
    public static readonly KubeResource NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection; a namespaced resource without <paramref name="ns"/> is listed across all namespaces.</summary>
    public string CollectionPath(string? ns = null)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && ns is not null ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    public string ItemPath(string name, string? ns = null)
    {
        if (Namespaced && ns is null)
            throw new ArgumentException($"{Plural} is namespaced: {name} needs a namespace");
        return $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";
    }
}

/// <summary>A watch event as the API sends it: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (whose object is a Status).</summary>
public sealed record KubeWatchEvent(string Type, JsonObject Object)
{
    public string? ResourceVersion => Object["metadata"]?["resourceVersion"]?.GetValue<string>();
}

/// <summary>The API answered with an error Status (4xx other than retried ones).</summary>
public sealed class KubeApiException(int code, string reason, string message)
    : Exception($"{code} {reason}: {message}")
{
    public int Code { get; } = code;

    /// <summary>The Status reason: <c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Expired</c>, <c>Gone</c>,
    /// <c>Invalid</c>, <c>Forbidden</c>, ...</summary>
    public string Reason { get; } = reason;

    public static KubeApiException FromStatus(JsonObject? status, int httpCode) => new(
        status?["code"]?.GetValue<int>() ?? httpCode,
        status?["reason"]?.GetValue<string>() ?? "",
        status?["message"]?.GetValue<string>() ?? "");

    /// <summary>The resource version asked for is older than the server keeps (HTTP 410, or 'Expired').</summary>
    public bool IsGone => Code == 410 || Reason is "Expired" or "Gone";
}
