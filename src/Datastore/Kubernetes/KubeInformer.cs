using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace L3Net.Datastore.Kubernetes;

public enum KubeChangeType { Upsert, Delete, Synced }

/// <summary>A change to one object (<see cref="KubeChangeType.Synced"/>: the cache now holds the whole
/// collection, after the first list or a relist; its object is null).</summary>
public sealed record KubeChange(KubeChangeType Type, string Key, JsonObject? Object);

/// <summary>
/// List-then-watch of one Kubernetes collection with a local cache, for what the node daemon follows outside the
/// l3net keys: Nodes (addresses and labels for peering), Namespaces and Pods (labels for policy selectors) and
/// networking.k8s.io NetworkPolicies. Unlike <see cref="KubernetesDatastore.WatchAsync"/> (whose contract hands
/// 410 Gone to the caller), it heals itself: it resumes from the last resourceVersion after a drop, and on 410
/// relists and reports the difference against its cache, so a deletion missed while away arrives as a Delete.
/// </summary>
public sealed class KubeInformer(KubeApiClient client, KubeResource resource, string? ns = null, string? fieldSelector = null,
    KubeClientOptions? options = null)
{
    private readonly KubeClientOptions _options = options ?? new KubeClientOptions();
    private readonly Dictionary<string, JsonObject> _cache = [];

    /// <summary>The objects by <c>namespace/name</c> (or <c>name</c>); read it between changes.</summary>
    public IReadOnlyDictionary<string, JsonObject> Cache => _cache;

    public async IAsyncEnumerable<KubeChange> RunAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var path = resource.CollectionPath(ns);
        var query = fieldSelector is null ? null : "fieldSelector=" + Uri.EscapeDataString(fieldSelector);
        string? rv = null;
        for (var failures = 0; !ct.IsCancellationRequested;)
        {
            if (rv is null)
            {
                var (items, listRv) = await client.ListAsync(path, query, ct: ct);
                foreach (var change in Resync(items))
                    yield return change;
                rv = listRv;
            }
            var events = client.WatchAsync(path, rv, query, ct).GetAsyncEnumerator(ct);
            try
            {
                while (true)
                {
                    KubeWatchEvent e;
                    try
                    {
                        if (!await events.MoveNextAsync())
                            break;
                        e = events.Current;
                    }
                    catch (KubeApiException gone) when (gone.IsGone)
                    {
                        rv = null; // history gone: relist
                        break;
                    }
                    catch (Exception err) when (!ct.IsCancellationRequested && err is IOException or HttpRequestException or DatastoreUnavailableException or KubeApiException { Code: 429 or >= 500 })
                    {
                        await Task.Delay(_options.Backoff(failures++), ct);
                        break;
                    }
                    failures = 0;
                    rv = e.ResourceVersion ?? rv;
                    if (e.Type == "BOOKMARK")
                        continue;
                    var key = KeyOf(e.Object);
                    if (e.Type == "DELETED")
                    {
                        _cache.Remove(key);
                        yield return new KubeChange(KubeChangeType.Delete, key, e.Object);
                    }
                    else
                    {
                        _cache[key] = e.Object;
                        yield return new KubeChange(KubeChangeType.Upsert, key, e.Object);
                    }
                }
            }
            finally
            {
                await events.DisposeAsync();
            }
        }
    }

    /// <summary>Replaces the cache with a fresh list and yields what changed, then Synced.</summary>
    private List<KubeChange> Resync(List<JsonObject> items)
    {
        var fresh = items.ToDictionary(KeyOf);
        var changes = _cache.Keys.Where(k => !fresh.ContainsKey(k)).Select(k => new KubeChange(KubeChangeType.Delete, k, _cache[k])).ToList();
        changes.AddRange(fresh.Where(kv => !_cache.TryGetValue(kv.Key, out var old) || Rv(old) != Rv(kv.Value))
            .Select(kv => new KubeChange(KubeChangeType.Upsert, kv.Key, kv.Value)));
        _cache.Clear();
        foreach (var (k, v) in fresh)
            _cache[k] = v;
        changes.Add(new KubeChange(KubeChangeType.Synced, "", null));
        return changes;
    }

    private static string? Rv(JsonObject o) => o["metadata"]?["resourceVersion"]?.GetValue<string>();

    private static string KeyOf(JsonObject o)
    {
        var meta = o["metadata"];
        var name = meta?["name"]?.GetValue<string>() ?? "";
        return meta?["namespace"]?.GetValue<string>() is { } n ? $"{n}/{name}" : name;
    }
}
