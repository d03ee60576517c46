using L3Net.Model.Resources;

namespace L3Net.Node.Cache;

/// <summary>The keys of the cached endpoints by namespace and pod: what lets a pod's or a namespace's change in the
/// Kubernetes API touch its own endpoints only, not every endpoint of the cluster. Not thread-safe: the cache's lock
/// guards it.</summary>
public sealed class PodEndpoints
{
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _byNamespace = [];

    public void Clear() => _byNamespace.Clear();

    public void Add(string key, WorkloadEndpoint ep)
    {
        var ns = ep.Metadata.Namespace ?? "";
        if (!_byNamespace.TryGetValue(ns, out var pods))
            _byNamespace[ns] = pods = [];
        if (!pods.TryGetValue(ep.Spec.Pod, out var keys))
            pods[ep.Spec.Pod] = keys = [];
        keys.Add(key);
    }

    public void Remove(string key, WorkloadEndpoint ep)
    {
        var ns = ep.Metadata.Namespace ?? "";
        if (!_byNamespace.TryGetValue(ns, out var pods) || !pods.TryGetValue(ep.Spec.Pod, out var keys))
            return;
        keys.Remove(key);
        if (keys.Count == 0 && pods.Remove(ep.Spec.Pod) && pods.Count == 0)
            _byNamespace.Remove(ns);
    }

    /// <summary>The endpoints of the pod named <c>namespace/name</c>.</summary>
    public IReadOnlyCollection<string> OfPod(string pod)
    {
        var slash = pod.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && _byNamespace.GetValueOrDefault(pod[..slash])?.GetValueOrDefault(pod[(slash + 1)..]) is { } keys ? keys : [];
    }

    public IEnumerable<string> OfNamespace(string ns) => _byNamespace.GetValueOrDefault(ns)?.Values.SelectMany(k => k) ?? [];
}
