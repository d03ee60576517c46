using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Model.Resources;

namespace L3Net.Node.Kubernetes;

/// <summary>
/// Under the Kubernetes datastore, what the node follows besides the l3net resources: the API's Nodes (labels and
/// InternalIP, for BGPPeer node selectors and peering), Namespaces (labels, for policy namespaceSelectors) and Pods
/// (labels and named container ports: the live ones, where the WorkloadEndpoint holds a copy made when the CNI plugin
/// ran). One self-healing
/// <see cref="KubeInformer"/> per collection; <paramref name="changed"/> is called when something the node uses
/// changed (a pod's status churn is not), and <see cref="View"/> hands out a consistent copy to apply to a snapshot.
/// </summary>
public sealed class KubeMetadata(KubeApiClient client, Action changed, KubeClientOptions? options = null)
{
    private readonly KubeClientOptions _options = options ?? new KubeClientOptions();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, KubePodInfo> _pods = [];
    private readonly Dictionary<string, Dictionary<string, string>> _namespaces = [];
    private readonly Dictionary<string, KubeNodeInfo> _nodes = [];
    private readonly TaskCompletionSource[] _synced = [.. Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

    /// <summary>Completes once each collection was listed: before that, a view would hide labels policies rely on.</summary>
    public Task Synced => Task.WhenAll(_synced.Select(s => s.Task));

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(
        FollowAsync(KubeResource.Nodes, 0, (key, o) => Set(_nodes, key, o is null ? null : KubeNodeInfo.From(o)), ct),
        FollowAsync(KubeResource.Namespaces, 1, (key, o) => Set(_namespaces, key, o is null ? null : Labels(o)), ct),
        FollowAsync(KubeResource.Pods, 2, (key, o) => Set(_pods, key, o is null ? null : KubePodInfo.From(o)), ct));

    public KubeMetadataView View
    {
        get
        {
            lock (_lock)
                return new KubeMetadataView(new Dictionary<string, KubePodInfo>(_pods),
                    new Dictionary<string, Dictionary<string, string>>(_namespaces), new Dictionary<string, KubeNodeInfo>(_nodes));
        }
    }

    /// <summary>One collection for as long as the node runs; a failed list (API away) is retried with back-off, and
    /// the informer's cache outlives the retry, so the relist reports only what changed meanwhile.</summary>
    private async Task FollowAsync(KubeResource resource, int index, Func<string, JsonObject?, bool> apply, CancellationToken ct)
    {
        var informer = new KubeInformer(client, resource, options: _options);
        for (var failures = 0; !ct.IsCancellationRequested;)
        {
            try
            {
                await foreach (var change in informer.RunAsync(ct))
                {
                    failures = 0;
                    if (change.Type == KubeChangeType.Synced)
                        _synced[index].TrySetResult();
                    else if (apply(change.Key, change.Type == KubeChangeType.Delete ? null : change.Object))
                        changed();
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is DatastoreException or KubeApiException or HttpRequestException or IOException)
            {
                await Task.Delay(_options.Backoff(failures++), ct);
            }
        }
    }

    /// <summary>Stores or removes one entry; true when that changed what the node sees.</summary>
    private bool Set<T>(Dictionary<string, T> map, string key, T? value) where T : class
    {
        lock (_lock)
        {
            if (value is null)
                return map.Remove(key);
            if (map.TryGetValue(key, out var old) && Same(old, value))
                return false;
            map[key] = value;
            return true;
        }
    }

    private static bool Same<T>(T a, T b) => (a, b) switch
    {
        (Dictionary<string, string> x, Dictionary<string, string> y) => SameLabels(x, y),
        _ => Equals(a, b),
    };

    internal static bool SameLabels(Dictionary<string, string> x, Dictionary<string, string> y) => x.Count == y.Count && !x.Except(y).Any();

    internal static Dictionary<string, string> Labels(JsonObject o) =>
        (o["metadata"]?["labels"] as JsonObject ?? []).Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
}

/// <summary>A Pod as the node daemon uses it: its labels and its named container ports.</summary>
public sealed record KubePodInfo(Dictionary<string, string> Labels, IReadOnlyList<WorkloadEndpointPort> Ports)
{
    public static KubePodInfo From(JsonObject pod) => new(KubeMetadata.Labels(pod), PodInfo.NamedPorts(pod));

    public bool Equals(KubePodInfo? other)
        => other is not null && KubeMetadata.SameLabels(Labels, other.Labels) && Ports.Select(Key).SequenceEqual(other.Ports.Select(Key));

    public override int GetHashCode() => HashCode.Combine(Labels.Count, Ports.Count);

    private static (string, string, int) Key(WorkloadEndpointPort p) => (p.Name, p.Protocol, p.Port);
}

/// <summary>A Kubernetes Node as the node daemon uses it: its labels and its InternalIP.</summary>
public sealed record KubeNodeInfo(Dictionary<string, string> Labels, string? InternalIp)
{
    public static KubeNodeInfo From(JsonObject node)
    {
        var ip = (node["status"]?["addresses"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(a => a["type"]?.GetValue<string>() == "InternalIP" && a["address"]?.GetValue<string>() is { } s && !s.Contains(':'))?["address"]?.GetValue<string>();
        return new KubeNodeInfo(KubeMetadata.Labels(node), ip);
    }

    public bool Equals(KubeNodeInfo? other) => other is not null && InternalIp == other.InternalIp && KubeMetadata.SameLabels(Labels, other.Labels);

    public override int GetHashCode() => HashCode.Combine(InternalIp, Labels.Count);
}
