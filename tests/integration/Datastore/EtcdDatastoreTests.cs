using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Etcd;
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
        using (var http = new HttpClient())
            (await http.PostAsync($"http://127.0.0.1:{etcd.Port}/v3/kv/compaction",
                new StringContent(new JsonObject { ["revision"] = revision }.ToJsonString()), Ct)).EnsureSuccessStatusCode();
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
            await Assert.ThrowsAsync<DatastoreUnavailableException>(() => Store.GetAsync(Key("kept"), Ct));
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
    public async Task A_dead_first_endpoint_fails_over_to_the_next()
    {
        await using var store = DatastoreFactory.Open($"etcd://127.0.0.1:1,127.0.0.1:{etcd.Port}");
        var revision = await store.CreateAsync(Key("failover"), Bytes("x"), Ct);
        Assert.Equal(revision, (await Store.GetAsync(Key("failover"), Ct))!.Revision);
    }

    [Fact]
    public void Tls_options_are_read_from_the_configuration_string()
    {
        var options = EtcdOptions.Parse("etcd://a:2379,b:2379?ca=/etc/ca.pem&cert=/etc/c.pem&key=/etc/k.pem");
        Assert.Equal(["https://a:2379", "https://b:2379"], options.Endpoints);
        Assert.Equal(("/etc/ca.pem", "/etc/c.pem", "/etc/k.pem"), (options.CaFile, options.CertFile, options.KeyFile));
    }
}
