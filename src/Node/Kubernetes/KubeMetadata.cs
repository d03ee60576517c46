using System.Collections.Frozen;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Felix.Policy;
using L3Net.Model.Resources;
using L3Net.Node.Cache;

namespace L3Net.Node.Kubernetes;

/// <summary>
/// Under the Kubernetes datastore, what the node follows besides the l3net resources: the API's Nodes (labels and
/// InternalIP, for BGPPeer node selectors and peering), Namespaces (labels, for policy namespaceSelectors) and Pods
/// (labels and named container ports: the live ones, where the WorkloadEndpoint holds a copy made when the CNI plugin
/// ran). One list-then-watch per collection through KubernetesClient (<see cref="KubeCollection.FollowAsync"/>:
/// resumed from the last resourceVersion, relisted on 410 Gone); <paramref name="changed"/> is told which object changed
/// when it is something the node uses (a pod's status churn is not), so that the <see cref="ClusterCache"/> lays it
/// over the records it concerns only. How it maps onto the model Felix and the peer calculation already consume, so
/// neither needs to know about the API:
/// <list type="bullet">
/// <item>a WorkloadEndpoint's labels and named ports become its pod's current ones (the CNI plugin copied them once,
/// at ADD, and an older plugin copied no ports);</item>
/// <item>a namespace's labels answer namespaceSelectors (with <c>kubernetes.io/metadata.name</c>, which the API sets on
/// every namespace, for one not seen yet);</item>
/// <item>a Node resource gets its Kubernetes Node's labels under its own (the l3net ones win, so an operator can
/// override), and the InternalIP as its BGP address when it has none.</item>
/// </list>
/// </summary>
public sealed class KubeMetadata(KubeApi client, Action<MetadataChange> changed, KubeClientOptions? options = null) : IClusterMetadata
{
    private readonly KubeClientOptions _options = options ?? new KubeClientOptions();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, KubePodInfo> _pods = [];
    private readonly Dictionary<string, Dictionary<string, string>> _namespaces = [];
    private readonly Dictionary<string, KubeNodeInfo> _nodes = [];
    private readonly TaskCompletionSource[] _synced = [.. Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    private Func<string, IReadOnlyDictionary<string, string>> _namespaceLabels = RuleInputs.DefaultNamespaceLabels;

    /// <summary>Completes once each collection was listed: before that, a view would hide labels policies rely on.</summary>
    public Task Synced => Task.WhenAll(_synced.Select(s => s.Task));

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(
        FollowAsync(KubeResource.Nodes, MetadataKind.Node, _nodes, KubeNodeInfo.From, ct),
        FollowAsync(KubeResource.Namespaces, MetadataKind.Namespace, _namespaces, Labels, ct),
        FollowAsync(KubeResource.Pods, MetadataKind.Pod, _pods, KubePodInfo.From, ct));

    /// <summary>The pods known, as <c>namespace/name</c>.</summary>
    public IReadOnlyList<string> PodKeys
    {
        get
        {
            lock (_lock)
                return [.. _pods.Keys];
        }
    }

    public Func<string, IReadOnlyDictionary<string, string>> NamespaceLabels
    {
        get
        {
            lock (_lock)
                return _namespaceLabels;
        }
    }

    public void Overlay(WorkloadEndpoint endpoint)
    {
        lock (_lock)
        {
            if (!_pods.TryGetValue($"{endpoint.Metadata.Namespace}/{endpoint.Spec.Pod}", out var pod))
                return;
            endpoint.Metadata.Labels = new Dictionary<string, string>(pod.Labels);
            endpoint.Spec.Ports = pod.Ports.Count == 0 ? null : [.. pod.Ports];
        }
    }

    public void Overlay(NodeResource node)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node.Metadata.Name, out var kube))
                return;
            var merged = new Dictionary<string, string>(kube.Labels);
            foreach (var (k, v) in node.Metadata.Labels)
                merged[k] = v;
            node.Metadata.Labels = merged;
            if (node.Spec.Bgp is { Ipv4Address: null or "" } bgp && kube.InternalIp is { } ip)
                bgp.Ipv4Address = ip + "/32";
        }
    }

    /// <summary>One collection for as long as the node runs: a list replaces what the map held (so a deletion missed
    /// while away is noticed), then changes follow until the history is gone (relist) or the API is away (the list is
    /// retried with back-off).</summary>
    private async Task FollowAsync<T>(KubeResource resource, MetadataKind kind, Dictionary<string, T> map, Func<JsonObject, T> read, CancellationToken ct)
        where T : class
    {
        var collection = new KubeCollection(client, resource);
        for (var failures = 0; !ct.IsCancellationRequested;)
        {
            try
            {
                var list = await collection.ListAsync(ct: ct);
                if (Replace(map, list.Items.ToDictionary(KeyOf, read)))
                    changed(new MetadataChange(kind, null));
                _synced[(int)kind].TrySetResult();
                failures = 0;
                await foreach (var e in collection.FollowAsync(null, list.ResourceVersion, null, _options, ct))
                {
                    var key = KeyOf(e.Object);
                    if (Set(map, key, e.Type == "DELETED" ? null : read(e.Object)))
                        changed(new MetadataChange(kind, key));
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
            if (!same)
                Refresh(map);
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
            if (value is null ? !map.Remove(key) : map.TryGetValue(key, out var old) && Same(old, value))
                return false;
            if (value is not null)
                map[key] = value;
            Refresh(map);
            return true;
        }
    }

    /// <summary>After the namespaces changed, a new lookup over a copy of them: snapshots taken before keep theirs, and
    /// the dataplane tells by the instance that it changed. Called under the lock.</summary>
    private void Refresh<T>(Dictionary<string, T> map)
    {
        if (!ReferenceEquals(map, _namespaces))
            return;
        var labels = _namespaces.ToFrozenDictionary();
        _namespaceLabels = ns => labels.TryGetValue(ns, out var l) ? l : RuleInputs.DefaultNamespaceLabels(ns);
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
