using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace L3Net.Datastore.Kubernetes;

/// <summary>A list of one collection: every item (all pages) and the resourceVersion to watch it from.</summary>
public sealed record KubeList(List<JsonObject> Items, string ResourceVersion);

/// <summary>
/// One resource type's calls on the library: l3net CRDs through its custom-object API, Pods, Nodes, Namespaces and
/// networking.k8s.io NetworkPolicies through its typed API. Objects travel as <see cref="JsonObject"/> either way,
/// the form <see cref="KubeObjectCodec"/> and the node's metadata work on. Errors as <see cref="KubeApi.CallAsync{T}"/>.
/// </summary>
public sealed class KubeCollection(KubeApi api, KubeResource resource)
{
    public KubeResource Resource => resource;

    /// <summary>The object, or null when it does not exist.</summary>
    public Task<JsonObject?> GetAsync(string name, string? ns, CancellationToken ct = default) =>
        api.GetOrNullAsync($"get {Describe(name, ns)}", () => resource switch
        {
            { IsCustom: true, Namespaced: false } => Json(api.CustomObjects.GetClusterCustomObjectAsync<JsonObject>(resource.Group, resource.Version, resource.Plural, name, ct)),
            { IsCustom: true } => Json(api.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(resource.Group, resource.Version, Ns(ns), resource.Plural, name, ct)),
            { Plural: "pods" } => Typed(api.CoreV1.ReadNamespacedPodAsync(name, Ns(ns), cancellationToken: ct)),
            { Plural: "namespaces" } => Typed(api.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct)),
            { Plural: "nodes" } => Typed(api.CoreV1.ReadNodeAsync(name, cancellationToken: ct)),
            { Plural: "secrets" } => Typed(api.CoreV1.ReadNamespacedSecretAsync(name, Ns(ns), cancellationToken: ct)),
            { Plural: "networkpolicies" } => Typed(api.NetworkingV1.ReadNamespacedNetworkPolicyAsync(name, Ns(ns), cancellationToken: ct)),
            _ => throw Unsupported("get"),
        });

    /// <summary>Every item (of one namespace, or all when null), following <c>continue</c> tokens page by page, and the
    /// list's resourceVersion (that of the first page: the snapshot every page is served from).</summary>
    public async Task<KubeList> ListAsync(string? ns = null, string? fieldSelector = null, int pageSize = 500, CancellationToken ct = default)
    {
        var items = new List<JsonObject>();
        string? resourceVersion = null, next = null;
        do
        {
            var token = next;
            var page = await api.CallAsync($"list {resource.Plural}", () => List(ns, fieldSelector, pageSize, token, ct));
            resourceVersion ??= page["metadata"]?["resourceVersion"]?.GetValue<string>();
            items.AddRange((page["items"] as JsonArray ?? []).OfType<JsonObject>());
            next = page["metadata"]?["continue"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(next));
        return new KubeList(items, resourceVersion ?? throw new KubeApiException(500, "InternalError", $"list of {resource.Plural} carries no resourceVersion"));
    }

    public Task<JsonObject> CreateAsync(string? ns, JsonObject body, CancellationToken ct = default) =>
        api.CallAsync($"create {resource.Plural}", () => resource switch
        {
            { IsCustom: true, Namespaced: false } => Json(api.CustomObjects.CreateClusterCustomObjectAsync<JsonObject>(body, resource.Group, resource.Version, resource.Plural, cancellationToken: ct)),
            { IsCustom: true } => Json(api.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(body, resource.Group, resource.Version, Ns(ns), resource.Plural, cancellationToken: ct)),
            { Plural: "networkpolicies" } => Typed(api.NetworkingV1.CreateNamespacedNetworkPolicyAsync(KubeApi.FromJson<V1NetworkPolicy>(body), Ns(ns), cancellationToken: ct)),
            _ => throw Unsupported("create"),
        });

    /// <summary>PUT: the API refuses it with 409 Conflict unless <c>metadata.resourceVersion</c> is still current.</summary>
    public Task<JsonObject> ReplaceAsync(string name, string? ns, JsonObject body, CancellationToken ct = default) =>
        api.CallAsync($"replace {Describe(name, ns)}", () => resource switch
        {
            { IsCustom: true, Namespaced: false } => Json(api.CustomObjects.ReplaceClusterCustomObjectAsync<JsonObject>(body, resource.Group, resource.Version, resource.Plural, name, cancellationToken: ct)),
            { IsCustom: true } => Json(api.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(body, resource.Group, resource.Version, Ns(ns), resource.Plural, name, cancellationToken: ct)),
            { Plural: "networkpolicies" } => Typed(api.NetworkingV1.ReplaceNamespacedNetworkPolicyAsync(KubeApi.FromJson<V1NetworkPolicy>(body), name, Ns(ns), cancellationToken: ct)),
            _ => throw Unsupported("replace"),
        });

    /// <summary>DELETE, refused with 409 Conflict unless the object's resourceVersion is still <paramref name="resourceVersion"/>.</summary>
    public Task DeleteAsync(string name, string? ns, string? resourceVersion, CancellationToken ct = default)
    {
        var options = resourceVersion is null ? null : new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } };
        return api.CallAsync($"delete {Describe(name, ns)}", async () => resource switch
        {
            { IsCustom: true, Namespaced: false } => await api.CustomObjects.DeleteClusterCustomObjectAsync<JsonObject>(resource.Group, resource.Version, resource.Plural, name, options, cancellationToken: ct),
            { IsCustom: true } => await api.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(resource.Group, resource.Version, Ns(ns), resource.Plural, name, options, cancellationToken: ct),
            { Plural: "networkpolicies" } => KubeApi.ToJson(await api.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, Ns(ns), options, cancellationToken: ct)),
            _ => throw Unsupported("delete"),
        });
    }

    /// <summary>One watch of the collection from <paramref name="resourceVersion"/> with bookmarks, until the server
    /// ends it (see <see cref="KubeApi.ReadWatchAsync{T}"/>).</summary>
    public IAsyncEnumerable<KubeWatchEvent> WatchAsync(string? ns, string resourceVersion, string? fieldSelector, TimeSpan timeout, CancellationToken ct)
    {
        var seconds = (int)timeout.TotalSeconds;
        return resource switch
        {
            { IsCustom: true } when ns is null => api.ReadWatchAsync(() => api.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, resource.Plural,
                allowWatchBookmarks: true, fieldSelector: fieldSelector, resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { IsCustom: true } => api.ReadWatchAsync(() => api.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonObject>(resource.Group, resource.Version, ns, resource.Plural,
                allowWatchBookmarks: true, fieldSelector: fieldSelector, resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { Plural: "pods" } when ns is null => api.ReadWatchAsync(() => api.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: true, fieldSelector: fieldSelector,
                resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { Plural: "pods" } => api.ReadWatchAsync(() => api.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, allowWatchBookmarks: true, fieldSelector: fieldSelector,
                resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { Plural: "namespaces" } => api.ReadWatchAsync(() => api.CoreV1.ListNamespaceWithHttpMessagesAsync(allowWatchBookmarks: true, fieldSelector: fieldSelector,
                resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { Plural: "nodes" } => api.ReadWatchAsync(() => api.CoreV1.ListNodeWithHttpMessagesAsync(allowWatchBookmarks: true, fieldSelector: fieldSelector,
                resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { Plural: "networkpolicies" } when ns is null => api.ReadWatchAsync(() => api.NetworkingV1.ListNetworkPolicyForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: true,
                fieldSelector: fieldSelector, resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            { Plural: "networkpolicies" } => api.ReadWatchAsync(() => api.NetworkingV1.ListNamespacedNetworkPolicyWithHttpMessagesAsync(ns, allowWatchBookmarks: true,
                fieldSelector: fieldSelector, resourceVersion: resourceVersion, timeoutSeconds: seconds, watch: true, cancellationToken: ct), ct),
            _ => throw Unsupported("watch"),
        };
    }

    /// <summary>
    /// Every change from <paramref name="resourceVersion"/> on, for as long as <paramref name="ct"/> runs: after the
    /// server ends a watch or the connection drops (an API server restart) the next one starts from the last version
    /// seen, event or bookmark, with back-off while the server is away. A 410 Gone for that version (history
    /// compacted) ends it with <see cref="KubeApiException.IsGone"/>: the caller relists.
    /// </summary>
    public async IAsyncEnumerable<KubeWatchEvent> FollowAsync(string? ns, string resourceVersion, string? fieldSelector, KubeClientOptions options,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var rv = resourceVersion;
        for (var failures = 0; !ct.IsCancellationRequested;)
        {
            var events = WatchAsync(ns, rv, fieldSelector, options.WatchTimeout, ct).GetAsyncEnumerator(ct);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync())
                            break;
                    }
                    catch (Exception failure) when (!ct.IsCancellationRequested && IsTransient(failure))
                    {
                        await Task.Delay(options.Backoff(failures++), ct);
                        break;
                    }
                    failures = 0;
                    var change = events.Current;
                    rv = change.ResourceVersion ?? rv;
                    if (change.Type != "BOOKMARK")
                        yield return change;
                }
            }
            finally
            {
                await events.DisposeAsync();
            }
        }
    }

    /// <summary>Failures that a later watch may not meet: the connection, the server away or busy.</summary>
    public static bool IsTransient(Exception e) =>
        e is IOException or HttpRequestException or DatastoreUnavailableException or System.Text.Json.JsonException
        || e is KubeApiException { Code: 429 or >= 500 };

    private Task<JsonObject> List(string? ns, string? fieldSelector, int limit, string? token, CancellationToken ct) => resource switch
    {
        { IsCustom: true } when ns is null => Json(api.CustomObjects.ListClusterCustomObjectAsync<JsonObject>(resource.Group, resource.Version, resource.Plural,
            continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { IsCustom: true } => Json(api.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(resource.Group, resource.Version, ns, resource.Plural,
            continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { Plural: "pods" } when ns is null => Typed(api.CoreV1.ListPodForAllNamespacesAsync(continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { Plural: "pods" } => Typed(api.CoreV1.ListNamespacedPodAsync(ns, continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { Plural: "namespaces" } => Typed(api.CoreV1.ListNamespaceAsync(continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { Plural: "nodes" } => Typed(api.CoreV1.ListNodeAsync(continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { Plural: "networkpolicies" } when ns is null => Typed(api.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        { Plural: "networkpolicies" } => Typed(api.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, continueParameter: token, fieldSelector: fieldSelector, limit: limit, cancellationToken: ct)),
        _ => throw Unsupported("list"),
    };

    private static async Task<JsonObject> Json(Task<JsonObject> call) => await call;

    private static async Task<JsonObject> Typed<T>(Task<T> call) where T : class => KubeApi.ToJson(await call);

    private string Ns(string? ns) => ns ?? throw new ArgumentException($"{resource.Plural} is namespaced: a namespace is needed");

    private string Describe(string name, string? ns) => ns is null ? $"{resource.Plural}/{name}" : $"{resource.Plural} {ns}/{name}";

    private NotSupportedException Unsupported(string verb) => new($"{verb} on {resource.Plural} is not used by l3net");
}
