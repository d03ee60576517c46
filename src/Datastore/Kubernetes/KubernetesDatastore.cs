using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace L3Net.Datastore.Kubernetes;

/// <summary>
/// <see cref="IDatastore"/> on the Kubernetes API: keys are API objects (<see cref="KubeKeyMap"/>), revisions are
/// resourceVersions (etcd's store-wide revision), compare-and-swap is the API's optimistic concurrency (PUT with
/// <c>metadata.resourceVersion</c>, DELETE with a resourceVersion precondition), and watch is the API's watch
/// with bookmarks, resumed from the last version seen after a drop.
/// Two differences from the other backends, both inherent to the API: an update that changes nothing keeps the
/// old revision (the API writes nothing), and a watch over a prefix spanning several resource types (say
/// <c>/l3net/</c>) is ordered within each type, not across them.
/// </summary>
public sealed class KubernetesDatastore(KubeApi client, KubeClientOptions? options = null) : IDatastore
{
    private readonly KubeClientOptions _options = options ?? new KubeClientOptions();

    /// <summary>The API client this datastore talks through, for callers that read other API objects (the CNI
    /// plugin's pod lookup) over the same connection. Owned by the datastore.</summary>
    public KubeApi Client => client;

    /// <summary>Opens the datastore the configuration string names: <c>kubernetes</c> (in-cluster, else
    /// <c>$KUBECONFIG</c>, else <c>~/.kube/config</c>) or <c>kubernetes:///path/to/kubeconfig</c>.</summary>
    public static KubernetesDatastore Open(string config, KubeClientOptions? options = null)
        => new(KubeApi.ForDatastore(config, options)
            ?? throw new ArgumentException($"'{config}' is not a Kubernetes datastore string (kubernetes or kubernetes:///path/to/kubeconfig)"), options);

    public async Task<KeyValue?> GetAsync(string key, CancellationToken ct = default)
    {
        var target = KubeKeyMap.Locate(key);
        var obj = await Call(key, () => Collection(target.Route).GetAsync(target.Name, target.Namespace, ct));
        if (obj is null)
            return null;
        var kv = KubeObjectCodec.FromObject(target.Route, obj);
        return kv.Key == key ? kv : null;
    }

    public async Task<ListResult> ListAsync(string prefix, CancellationToken ct = default)
    {
        var items = new List<KeyValue>();
        long? revision = null;
        foreach (var (route, ns) in CollectionsOf(prefix))
        {
            var (objects, rv) = await Call(prefix, () => Collection(route).ListAsync(ns, ct: ct));
            // Lists of several types are read one after another; the oldest list revision is the safe one to
            // watch from: events seen twice rather than missed.
            revision = Math.Min(revision ?? long.MaxValue, KubeObjectCodec.Revision(rv, prefix));
            items.AddRange(objects.Select(o => KubeObjectCodec.FromObject(route, o)).Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)));
        }
        items.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new ListResult(items, revision ?? 0);
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default)
    {
        var target = KubeKeyMap.Locate(key);
        var body = KubeObjectCodec.ToObject(target, value, null);
        try
        {
            var created = await Call(key, () => Collection(target.Route).CreateAsync(target.Namespace, body, ct));
            return RevisionOf(created, key);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            throw new AlreadyExistsException(key);
        }
    }

    public async Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default)
    {
        var target = KubeKeyMap.Locate(key);
        var body = KubeObjectCodec.ToObject(target, value, expectedRevision);
        try
        {
            return RevisionOf(await Call(key, () => Collection(target.Route).ReplaceAsync(target.Name, target.Namespace, body, ct)), key);
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
            throw new NotFoundException(key);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            throw await ConflictOf(key, expectedRevision, ct);
        }
    }

    public async Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default)
    {
        var target = KubeKeyMap.Locate(key);
        try
        {
            await Call(key, () => Collection(target.Route).DeleteAsync(target.Name, target.Namespace, expectedRevision.ToString(CultureInfo.InvariantCulture), ct));
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
            throw new NotFoundException(key);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            throw await ConflictOf(key, expectedRevision, ct);
        }
    }

    /// <summary>Changes from <paramref name="fromRevision"/> on; from revision 1 or less it starts with the current
    /// state as puts (the API keeps no history from the beginning of time).</summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var events = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(1024) { SingleReader = true });
        var collections = CollectionsOf(prefix);
        // One pump per collection; the first that fails ends the whole watch with its error.
        var producers = collections.Select(c => Task.Run(async () =>
        {
            try
            {
                await PumpAsync(c.Route, c.Namespace, prefix, fromRevision, events.Writer, stop.Token);
            }
            catch (Exception e)
            {
                events.Writer.TryComplete(stop.IsCancellationRequested ? null : e);
            }
        })).ToList();
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(ct))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(producers);
        }
    }

    /// <summary>One collection's events into the channel, followed from the list (or the revision asked for) for as
    /// long as the watch runs (<see cref="KubeCollection.FollowAsync"/>: resumed after drops and restarts); a 410 for
    /// the version reached means the history is gone and surfaces as <see cref="ResyncRequiredException"/>.</summary>
    private async Task PumpAsync(KubeRoute route, string? ns, string prefix, long fromRevision, ChannelWriter<WatchEvent> writer, CancellationToken ct)
    {
        var collection = Collection(route);
        string rv;
        if (fromRevision <= 1)
        {
            var (items, listRv) = await Call(prefix, () => collection.ListAsync(ns, ct: ct));
            foreach (var kv in items.Select(o => KubeObjectCodec.FromObject(route, o)).Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)))
                await writer.WriteAsync(new WatchEvent(WatchEventType.Put, kv.Key, kv.Value, kv.Revision), ct);
            rv = listRv;
        }
        else
            rv = (fromRevision - 1).ToString(CultureInfo.InvariantCulture);

        try
        {
            await foreach (var e in collection.FollowAsync(ns, rv, null, _options, ct))
            {
                rv = e.ResourceVersion ?? rv;
                var kv = KubeObjectCodec.FromObject(route, e.Object);
                if (!kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                    continue;
                var type = e.Type == "DELETED" ? WatchEventType.Delete : WatchEventType.Put;
                await writer.WriteAsync(new WatchEvent(type, kv.Key, type == WatchEventType.Delete ? ReadOnlyMemory<byte>.Empty : kv.Value, kv.Revision), ct);
            }
        }
        catch (KubeApiException e) when (e.IsGone)
        {
            throw new ResyncRequiredException(prefix, KubeObjectCodec.Revision(rv, prefix) + 1);
        }
    }

    private KubeCollection Collection(KubeRoute route) => new(client, route.Resource);

    private static IReadOnlyList<(KubeRoute Route, string? Namespace)> CollectionsOf(string prefix)
    {
        var collections = KubeKeyMap.Collections(prefix);
        return collections.Count > 0 ? collections : [(KubeKeyMap.RecordRoute, null)];
    }

    private async Task<ConflictException> ConflictOf(string key, long expected, CancellationToken ct)
    {
        var current = await GetAsync(key, ct);
        return current is null ? throw new NotFoundException(key) : new ConflictException(key, expected, current.Revision);
    }

    private static long RevisionOf(System.Text.Json.Nodes.JsonObject obj, string key) =>
        KubeObjectCodec.Revision(obj["metadata"]?["resourceVersion"]?.GetValue<string>(), key);

    /// <summary>Errors every call shares: a missing CRD, missing permissions, an object the schema rejects.</summary>
    private static async Task<T> Call<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (KubeApiException e) when (e.Code is 401 or 403)
        {
            throw new DatastoreException($"{what}: the API server refused access ({e.Message}); check the RBAC in deploy/rbac.yaml", e);
        }
        catch (KubeApiException e) when (e.Code == 404 && e.Message.Contains("the server could not find the requested resource"))
        {
            throw new DatastoreException($"{what}: resource type not served; are the CRDs installed (kubectl apply -f deploy/crds.yaml)?", e);
        }
        catch (KubeApiException e) when (e.Code is 400 or 422)
        {
            throw new DatastoreException($"{what}: the API server rejected the object: {e.Message}", e);
        }
    }

    private static async Task<bool> Call(string what, Func<Task> call) => await Call(what, async () => { await call(); return true; });

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
