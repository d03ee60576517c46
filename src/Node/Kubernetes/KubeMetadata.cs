using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Model.Resources;

namespace L3Net.Node.Kubernetes;

/// <summary>
/// Under the Kubernetes datastore, what the node follows besides the l3net resources: the API's Nodes (labels and
/// InternalIP, for BGPPeer node selectors and peering), Namespaces (labels, for policy namespaceSelectors) and Pods
/// (labels and named container ports: the live ones, where the WorkloadEndpoint holds a copy made when the CNI plugin
/// ran). One list-then-watch per collection through KubernetesClient (<see cref="KubeCollection.FollowAsync"/>:
/// resumed from the last resourceVersion, relisted on 410 Gone); <paramref name="changed"/> is called when something
/// the node uses changed (a pod's status churn is not), and <see cref="View"/> hands out a consistent copy to apply
/// to a snapshot.
/// </summary>
public sealed class KubeMetadata(KubeApi client, Action changed, KubeClientOptions? options = null)
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
        FollowAsync(KubeResource.Nodes, 0, _nodes, KubeNodeInfo.From, ct),
        FollowAsync(KubeResource.Namespaces, 1, _namespaces, Labels, ct),
        FollowAsync(KubeResource.Pods, 2, _pods, KubePodInfo.From, ct));

    public KubeMetadataView View
    {
        get
        {
            lock (_lock)
                return new KubeMetadataView(new Dictionary<string, KubePodInfo>(_pods),
                    new Dictionary<string, Dictionary<string, string>>(_namespaces), new Dictionary<string, KubeNodeInfo>(_nodes));
        }
    }

    /// <summary>One collection for as long as the node runs: a list replaces what the map held (so a deletion missed
    /// while away is noticed), then changes follow until the history is gone (relist) or the API is away (the list is
    /// retried with back-off).</summary>
    private async Task FollowAsync<T>(KubeResource resource, int index, Dictionary<string, T> map, Func<JsonObject, T> read, CancellationToken ct)
        where T : class
    {
        var collection = new KubeCollection(client, resource);
        for (var failures = 0; !ct.IsCancellationRequested;)
        {
            try
            {
                var list = await collection.ListAsync(ct: ct);
                if (Replace(map, list.Items.ToDictionary(KeyOf, read)))
                    changed();
                _synced[index].TrySetResult();
                failures = 0;
                await foreach (var e in collection.FollowAsync(null, list.ResourceVersion, null, _options, ct))
                {
                    if (Set(map, KeyOf(e.Object), e.Type == "DELETED" ? null : read(e.Object)))
                        changed();
                }
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                // History compacted while we were away: the next list tells what changed meanwhile.
            }
            catch (Exception e) when (!ct.IsCancellationRequested && (e is DatastoreException || KubeCollection.IsTransient(e)))
            {
                await Task.Delay(_options.Backoff(failures++), ct);
            }
        }
    }

    /// <summary>Replaces the whole map with a fresh list; true when that changed what the node sees.</summary>
    private bool Replace<T>(Dictionary<string, T> map, Dictionary<string, T> fresh) where T : class
    {
        lock (_lock)
        {
            var same = map.Count == fresh.Count && fresh.All(kv => map.TryGetValue(kv.Key, out var old) && Same(old, kv.Value));
            map.Clear();
            foreach (var (k, v) in fresh)
                map[k] = v;
            return !same;
        }
    }

    private static string KeyOf(JsonObject o)
    {
        var meta = o["metadata"];
        var name = meta?["name"]?.GetValue<string>() ?? "";
        return meta?["namespace"]?.GetValue<string>() is { } n ? $"{n}/{name}" : name;
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
