using System.Text.Json.Nodes;

namespace L3Net.Datastore.Kubernetes;

/// <summary>One API resource type (<c>pods</c>, <c>ippools.l3net.io</c>); <see cref="KubeCollection"/> reaches it.</summary>
public sealed record KubeResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public static readonly KubeResource Pods = new("", "v1", "pods", "Pod", true);
    public static readonly KubeResource Nodes = new("", "v1", "nodes", "Node", false);
    public static readonly KubeResource Namespaces = new("", "v1", "namespaces", "Namespace", false);
    public static readonly KubeResource Secrets = new("", "v1", "secrets", "Secret", true);
    public static readonly KubeResource NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>An l3net CRD, reached through the library's custom-object API; the others are the library's typed API.</summary>
    public bool IsCustom => Group == KubeKeyMap.Group;
}

/// <summary>A watch event as the API sends it: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (whose object is a Status).</summary>
public sealed record KubeWatchEvent(string Type, JsonObject Object)
{
    public string? ResourceVersion => Object["metadata"]?["resourceVersion"]?.GetValue<string>();
}

/// <summary>The API answered with an error Status.</summary>
public sealed class KubeApiException(int code, string reason, string message)
    : Exception($"{code} {reason}: {message}")
{
    public int Code { get; } = code;

    /// <summary>The Status reason: <c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Expired</c>, <c>Gone</c>,
    /// <c>Invalid</c>, <c>Forbidden</c>, ...</summary>
    public string Reason { get; } = reason;

    /// <summary>The Status the library's failed call carried (or, when the body is no Status, the HTTP code).</summary>
    public static KubeApiException From(k8s.Autorest.HttpOperationException e)
    {
        JsonObject? status = null;
        try
        {
            status = JsonNode.Parse(e.Response?.Content ?? "") as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status (a proxy in between, say): the HTTP code and text still tell what happened.
        }
        var code = (int)(e.Response?.StatusCode ?? 0);
        return status is null ? new KubeApiException(code, e.Response?.ReasonPhrase ?? "", e.Response?.Content ?? "") : FromStatus(status, code);
    }

    public static KubeApiException FromStatus(JsonObject? status, int httpCode) => new(
        status?["code"]?.GetValue<int>() ?? httpCode,
        status?["reason"]?.GetValue<string>() ?? "",
        status?["message"]?.GetValue<string>() ?? "");

    /// <summary>The resource version asked for is older than the server keeps (HTTP 410, or 'Expired').</summary>
    public bool IsGone => Code == 410 || Reason is "Expired" or "Gone";
}
