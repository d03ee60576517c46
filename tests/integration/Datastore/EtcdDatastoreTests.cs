using L3Net.Datastore;
using L3Net.Datastore.Etcd;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

public sealed class EtcdDatastoreTests(EtcdServer etcd) : DatastoreContractTests, IClassFixture<EtcdServer>
{
    protected override IDatastore Store => etcd.Store;
    protected override string Config => etcd.Config;

    [Fact]
    public async Task A_watch_from_compacted_history_asks_for_a_resync()
    {
        var first = await Store.CreateAsync(Key("counter"), Bytes("0"), Ct);
        var revision = await Store.UpdateAsync(Key("counter"), Bytes("1"), first, Ct);
        etcd.Compact(revision);
        var e = await Assert.ThrowsAsync<ResyncRequiredException>(() => TakeAsync(Store.WatchAsync(Key(""), first, Ct), 1));
        Assert.Equal(first, e.FromRevision);
        Assert.Equal("1", Text((await TakeAsync(Store.WatchAsync(Key(""), revision, Ct), 1))[0].Value));
    }

    [Fact]
    public async Task Etcd_stopped_mid_run_gives_unavailable_then_works_after_restart_with_nothing_lost()
    {
        var revision = await Store.CreateAsync(Key("kept"), Bytes("before"), Ct);
        var watch = Store.WatchAsync(Key(""), revision + 1, Ct).GetAsyncEnumerator(Ct);
        var next = watch.MoveNextAsync().AsTask();
        etcd.Stop();
        try
        {
            var down = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => Store.GetAsync(Key("kept"), Ct));
            Assert.Equal($"etcd unreachable: http://127.0.0.1:{etcd.Port}: Connection refused", down.Message);
            await Assert.ThrowsAsync<DatastoreUnavailableException>(() => Store.UpdateAsync(Key("kept"), Bytes("during"), revision, Ct));
        }
        finally
        {
            await etcd.StartAsync();
        }
        Assert.Equal("before", Text((await Store.GetAsync(Key("kept"), Ct))!.Value));
        var after = await Store.UpdateAsync(Key("kept"), Bytes("after"), revision, Ct);
        // The watch opened before the outage resumes by itself and sees the write made after the restart.
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal((after, "after"), (watch.Current.Revision, Text(watch.Current.Value)));
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task Progress_notifications_carry_a_quiet_watch_past_history_compacted_before_its_stream_broke()
    {
        await using var store = new EtcdDatastore(EtcdOptions.Parse(etcd.Config));
        long progress = 0;
        store.WatchProgressed += (_, revision) => Interlocked.Exchange(ref progress, revision);
        var start = await store.CreateAsync(Key("quiet/a"), Bytes("0"), Ct);
        var watch = store.WatchAsync(Key("quiet/"), start + 1, Ct).GetAsyncEnumerator(Ct);
        var next = watch.MoveNextAsync().AsTask();
        // The store moves on while nothing under the watched prefix changes; then that history is compacted away.
        var last = start;
        for (var i = 0; i < 3; i++)
            last = await store.CreateAsync(Key($"loud/{i}"), Bytes("x"), Ct);
        await Eventually.AssertAsync(() => Interlocked.Read(ref progress) >= last, TimeSpan.FromSeconds(10), "a progress notification at the latest revision");
        etcd.Compact(last);
        etcd.Stop();
        await etcd.StartAsync();
        // The stream broke; it resumes after the notified revision, not from start + 1, which is gone.
        var changed = await store.UpdateAsync(Key("quiet/a"), Bytes("1"), start, Ct);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal((changed, "1"), (watch.Current.Revision, Text(watch.Current.Value)));
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task A_dead_first_endpoint_fails_over_to_the_next_for_calls_and_watches()
    {
        var endpoints = $"etcd://127.0.0.1:1,127.0.0.1:{etcd.Port}";
        await using var watcher = DatastoreFactory.Open(endpoints);
        var watch = watcher.WatchAsync(Key(""), (await Store.ListAsync(Key(""), Ct)).Revision + 1, Ct).GetAsyncEnumerator(Ct);
        var next = watch.MoveNextAsync().AsTask();
        await using var store = DatastoreFactory.Open(endpoints);
        var revision = await store.CreateAsync(Key("failover"), Bytes("x"), Ct);
        Assert.Equal(revision, (await Store.GetAsync(Key("failover"), Ct))!.Revision);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(revision, watch.Current.Revision);
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task Every_endpoint_down_is_one_line_naming_each()
    {
        await using var store = DatastoreFactory.Open("etcd://127.0.0.1:1,127.0.0.1:2");
        var e = await Assert.ThrowsAsync<DatastoreUnavailableException>(() => store.CreateAsync(Key("x"), Bytes("x"), Ct));
        Assert.Equal("etcd unreachable: http://127.0.0.1:1: Connection refused; http://127.0.0.1:2: Connection refused", e.Message);
    }

    [Fact]
    public void Tls_options_are_read_from_the_configuration_string()
    {
        var options = EtcdOptions.Parse("etcd://a:2379,b:2379?ca=/etc/ca.pem&cert=/etc/c.pem&key=/etc/k.pem");
        Assert.Equal(["https://a:2379", "https://b:2379"], options.Endpoints);
        Assert.Equal(("/etc/ca.pem", "/etc/c.pem", "/etc/k.pem"), (options.CaFile, options.CertFile, options.KeyFile));
        Assert.Equal(["http://a:2379"], EtcdOptions.Parse("etcd://a:2379").Endpoints);
    }

    [Theory]
    [InlineData("etcd://a:2379?cacert=/etc/ca.pem", "unknown etcd parameter 'cacert'")]
    [InlineData("etcd://a:2379?cert=/etc/c.pem", "cert and key go together")]
    [InlineData("etcd://?ca=/etc/ca.pem", "no etcd endpoint")]
    public void A_bad_configuration_string_names_the_problem(string config, string problem)
        => Assert.Contains(problem, Assert.Throws<ArgumentException>(() => EtcdOptions.Parse(config)).Message);
}
