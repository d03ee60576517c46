using L3Net.Datastore;
using L3Net.Testing;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>Watch on the Kubernetes API through KubernetesClient: ordered events from a revision, resumed after a
/// dropped connection, a server-side timeout or an API server restart without loss or repetition, bookmarks, and
/// 410 Expired surfacing as ResyncRequired.</summary>
public sealed class KubernetesWatchTests
{
    private static string PoolJson(string cidr) => """{"apiVersion":"l3net.io/v1","kind":"IPPool","metadata":{"name":"p"},"spec":{"cidr":"CIDR"}}""".Replace("CIDR", cidr);

    /// <summary>Collects a watch's events in the background so that the test can change the store meanwhile.</summary>
    private sealed class Collector : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _task;
        private readonly List<WatchEvent> _events = [];

        public Collector(IDatastore store, string prefix, long from)
        {
            _task = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in store.WatchAsync(prefix, from, _cts.Token))
                        lock (_events) _events.Add(e);
                }
                catch (OperationCanceledException) when (_cts.IsCancellationRequested)
                {
                    // The test is done with the watch.
                }
                catch (Exception e)
                {
                    Error = e;
                }
            });
        }

        public Exception? Error { get; private set; }
        public List<WatchEvent> Events { get { lock (_events) return [.. _events]; } }

        public Task WaitForAsync(int count, string what) =>
            Eventually.AssertAsync(() => Events.Count >= count || Error is not null, TimeSpan.FromSeconds(10), what,
                () => $"got {string.Join(", ", Events.Select(e => $"{e.Type} {e.Key}@{e.Revision}"))}; error {Error}");

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            await _task;
        }
    }

    [Fact]
    public async Task Changes_after_a_list_arrive_in_order_and_a_dropped_watch_resumes_without_loss_or_repeats()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        var r1 = await store.CreateAsync("/l3net/ippools/p", Json(PoolJson("10.0.0.0/16")), ct);
        var list = await store.ListAsync("/l3net/ippools/", ct);
        await using var watch = new Collector(store, "/l3net/ippools/", list.Revision + 1);
        await Eventually.AssertAsync(() => server.OpenWatches == 1, TimeSpan.FromSeconds(5), "watch opened");

        var r2 = await store.UpdateAsync("/l3net/ippools/p", Json(PoolJson("10.1.0.0/16")), r1, ct);
        await watch.WaitForAsync(1, "first change");
        server.DropWatches();
        var r3 = await store.UpdateAsync("/l3net/ippools/p", Json(PoolJson("10.2.0.0/16")), r2, ct);
        await store.DeleteAsync("/l3net/ippools/p", r3, ct);
        await watch.WaitForAsync(3, "changes after the drop");
        await Eventually.AssertAsync(() => server.OpenWatches == 1, TimeSpan.FromSeconds(5), "watch reopened");

        Assert.Null(watch.Error);
        var events = watch.Events;
        Assert.Equal([WatchEventType.Put, WatchEventType.Put, WatchEventType.Delete], events.Select(e => e.Type));
        Assert.Equal(r2, events[0].Revision);
        Assert.Equal(r3, events[1].Revision);
        Assert.Contains("10.2.0.0/16", Text(events[1].Value));
        Assert.True(events[2].Revision > r3);
        Assert.True(events[2].Value.IsEmpty);
        Assert.All(events, e => Assert.Equal("/l3net/ippools/p", e.Key));
    }

    [Fact]
    public async Task A_watch_rides_out_an_API_server_restart_and_resumes_from_the_last_version_it_saw()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        var start = (await store.ListAsync("/l3net/ippools/", ct)).Revision;
        await using var watch = new Collector(store, "/l3net/ippools/", start + 1);
        await Eventually.AssertAsync(() => server.OpenWatches == 1, TimeSpan.FromSeconds(5), "watch opened");
        var r1 = await store.CreateAsync("/l3net/ippools/p", Json(PoolJson("10.0.0.0/16")), ct);
        await watch.WaitForAsync(1, "the pool");

        // Down: the port refuses connections, so the watcher's reconnections fail and back off; then back.
        await server.StopAsync();
        var watchesBefore = server.WatchRequests;
        server.Restart();
        await Eventually.AssertAsync(() => server.OpenWatches == 1, TimeSpan.FromSeconds(10), "watch reopened after the restart",
            () => $"watch error {watch.Error}; requests {string.Join(", ", server.Requests)}");
        var r2 = await store.UpdateAsync("/l3net/ippools/p", Json(PoolJson("10.1.0.0/16")), r1, ct);
        await watch.WaitForAsync(2, "the change after the restart");

        Assert.Null(watch.Error);
        Assert.Equal([r1, r2], watch.Events.Select(e => e.Revision));
        Assert.True(server.WatchRequests > watchesBefore);
        Assert.Contains(server.Requests.Skip(1), r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains($"resourceVersion={r1}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_watch_the_server_ends_is_reopened_from_the_last_bookmark()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        var start = (await store.ListAsync("/l3net/ippools/", ct)).Revision;
        await using var watch = new Collector(store, "/l3net/ippools/", start + 1);
        await Eventually.AssertAsync(() => server.OpenWatches == 1, TimeSpan.FromSeconds(5), "watch opened");

        // Unrelated writes move the revision on; the bookmark tells the watcher, so that history compacted
        // behind it does not force a relist when the watch is reopened.
        await store.CreateAsync("/l3net/ipam/handles/h1", Json("{}"), ct);
        var latest = await store.CreateAsync("/l3net/ipam/handles/h2", Json("{}"), ct);
        // The bookmark is queued on the stream ahead of its end, so the client reads it before reopening.
        server.SendBookmarks();
        server.Compact(latest);
        server.EndWatches();
        await Eventually.AssertAsync(() => server.OpenWatches == 1, TimeSpan.FromSeconds(5), "watch reopened");
        await store.CreateAsync("/l3net/ippools/p", Json(PoolJson("10.0.0.0/16")), ct);

        await watch.WaitForAsync(1, "the pool created after the reopen");
        Assert.Null(watch.Error);
        Assert.Equal("/l3net/ippools/p", Assert.Single(watch.Events).Key);
        Assert.Contains(server.Requests, r => r.Contains($"resourceVersion={latest}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watching_from_compacted_history_requires_a_resync()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        var r1 = await store.CreateAsync("/l3net/ippools/p", Json(PoolJson("10.0.0.0/16")), ct);
        await store.UpdateAsync("/l3net/ippools/p", Json(PoolJson("10.1.0.0/16")), r1, ct);
        server.Compact(server.CurrentRevision);

        var e = await Assert.ThrowsAsync<ResyncRequiredException>(async () =>
        {
            await foreach (var _ in store.WatchAsync("/l3net/ippools/", r1, ct))
            {
            }
        });

        Assert.Equal("/l3net/ippools/", e.Prefix);
        Assert.Equal(r1, e.FromRevision);
    }

    [Fact]
    public async Task From_the_beginning_a_watch_starts_with_the_current_state_across_resource_types()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        await store.CreateAsync("/l3net/ippools/p", Json(PoolJson("10.0.0.0/16")), ct);
        await store.CreateAsync("/l3net/ipam/blocks/10.0.0.0-26", Json("""{"n":1}"""), ct);
        await using var watch = new Collector(store, "/l3net/", 0);
        await watch.WaitForAsync(2, "current state");
        await Eventually.AssertAsync(() => server.OpenWatches == 1 + L3Net.Datastore.Kubernetes.KubeKeyMap.TypedRoutes.Count, TimeSpan.FromSeconds(5), "one watch per type");

        await store.CreateAsync("/l3net/ipam/handles/h", Json("""{"n":2}"""), ct);
        await watch.WaitForAsync(3, "the new record");

        Assert.Null(watch.Error);
        Assert.Equal(["/l3net/ipam/blocks/10.0.0.0-26", "/l3net/ipam/handles/h", "/l3net/ippools/p"], watch.Events.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal("/l3net/ipam/handles/h", watch.Events[^1].Key);
    }
}
