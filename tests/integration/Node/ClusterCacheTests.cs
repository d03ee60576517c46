using System.Net;
using L3Net.Datastore;
using L3Net.Datastore.Etcd;
using L3Net.Datastore.Sqlite;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Node;
using L3Net.Node.Cache;
using L3Net.Tests.Integration.Datastore;
using Xunit;

namespace L3Net.Tests.Integration.Node;

/// <summary>The node's cluster cache over a real SQLite file: one list per kind, then watch deltas only.</summary>
public sealed class ClusterCacheSqliteTests : IAsyncDisposable
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("l3net-cache-").FullName;

    [Fact(Timeout = 60_000)]
    public async Task A_remote_pod_started_or_an_address_borrowed_reaches_the_snapshot_without_a_list_call()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sqlite = SqliteDatastore.Open(Path.Combine(_dir, "l3net.db"));
        var cluster = await ClusterWriter.CreateAsync(sqlite, ct);
        await using var counting = new ListCountingDatastore(sqlite);
        await using var follower = await CacheFollower.StartAsync(counting, ClusterWriter.Local, ct);
        var listed = counting.Lists;
        Assert.True(listed > 0, "the fill lists every kind once");

        // Another node's CNI plugin starts a pod: an IPAM block claimed and an address assigned, then its endpoint.
        var web = await cluster.StartPodAsync(ClusterWriter.Remote, "web", ct);
        var seen = await follower.WaitForAsync(s => s.Endpoints.Any(e => e.Spec.Pod == "web")
            && s.Blocks.Any(b => b.Allocations.Any(a => a.Address.Equals(web))), "the remote pod and its address", Within, ct);
        Assert.Equal(listed, counting.Lists);
        Assert.Empty(seen.Borrowed);

        // This node takes an address from the remote node's block: it advertises it as a host route, still with no list.
        var block = seen.Blocks.Single(b => b.Cidr.Contains(web)).Cidr.BaseAddress.GetAddressBytes();
        block[3] += 9;
        var borrowed = new IPAddress(block);
        await cluster.Ipam.AssignSpecificAsync(borrowed, "k8s-pod-network.borrower", ClusterWriter.Local, ct: ct);
        var after = await follower.WaitForAsync(s => s.Borrowed.Contains(borrowed), "the borrowed address", Within, ct);
        Assert.Contains(new IPNetwork(borrowed, 32), after.Originated());
        Assert.Equal(listed, counting.Lists);
        Assert.Equal(0, follower.Resyncs);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_remote_pod_change_names_one_endpoint_for_the_dataplane_and_leaves_the_speakers_inputs_as_they_were()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sqlite = SqliteDatastore.Open(Path.Combine(_dir, "l3net.db"));
        var cluster = await ClusterWriter.CreateAsync(sqlite, ct);
        await cluster.StartPodAsync(ClusterWriter.Local, "mine", ct);
        await using var follower = await CacheFollower.StartAsync(sqlite, ClusterWriter.Local, ct);
        var before = follower.Cache.Snapshot();

        // The remote pod's block and its endpoint both change; only the endpoint is this node's business.
        await cluster.StartPodAsync(ClusterWriter.Remote, "web", ct);
        var after = await follower.WaitForAsync(s => s.Endpoints.Any(e => e.Spec.Pod == "web"), "the remote pod", Within, ct);
        var changed = after.Changes.Take(before.JournalPosition, after.JournalPosition);
        Assert.NotNull(changed);
        Assert.Equal(["/l3net/workloadendpoints/default/remote-web-eth0"], changed);
        Assert.Equal(before.BgpRevision, after.BgpRevision);
        Assert.Same(before.Nodes, after.Nodes);
        Assert.Single(after.LocalEndpoints);

        // This node's own pod moves its own block: that is the speaker's business (IPAM figures, borrowed addresses).
        await cluster.StartPodAsync(ClusterWriter.Local, "second", ct);
        var own = await follower.WaitForAsync(s => s.LocalEndpoints.Count == 2, "the second local pod", Within, ct);
        Assert.NotEqual(after.BgpRevision, own.BgpRevision);
    }

    [Fact(Timeout = 60_000)]
    public async Task Changes_compacted_away_before_the_watch_saw_them_are_recovered_by_one_relist()
    {
        var ct = TestContext.Current.CancellationToken;
        // The store keeps two changes of history: the cache, filled and then idle for five, can only list again.
        await using var sqlite = SqliteDatastore.Open(Path.Combine(_dir, "l3net.db"), retainedChanges: 2);
        var cluster = await ClusterWriter.CreateAsync(sqlite, ct);
        await using var counting = new ListCountingDatastore(sqlite);
        var cache = new ClusterCache(counting, ClusterWriter.Local);
        await cache.FillAsync(ct);
        var perFill = counting.Lists;
        for (var i = 0; i < 5; i++)
            await cluster.StartPodAsync(ClusterWriter.Remote, $"pod{i}", ct);

        await using var follower = CacheFollower.Follow(cache);
        await follower.WaitForAsync(s => s.Endpoints.Count == 5, "the five pods", Within, ct);
        Assert.Equal(1, follower.Resyncs);
        Assert.Equal(2 * perFill, counting.Lists);
        Assert.Equal(Fingerprint(await FullListAsync(sqlite, ct)), Fingerprint(cache.Snapshot()));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    internal static async Task<ClusterSnapshot> FullListAsync(IDatastore store, CancellationToken ct)
    {
        var fresh = new ClusterCache(store, ClusterWriter.Local);
        await fresh.FillAsync(ct);
        return fresh.Snapshot();
    }

    /// <summary>What the node sees of every kind it follows, as text, in key order: equal for equal stores.</summary>
    internal static string Fingerprint(ClusterSnapshot s) => string.Join('\n',
        s.Nodes.Select(n => $"node {n.Metadata.Name}@{n.Metadata.ResourceVersion}")
            .Concat(s.Pools.Select(p => $"pool {p.Metadata.Name}@{p.Metadata.ResourceVersion}"))
            .Concat(s.Endpoints.Select(e => $"endpoint {e.Metadata.Namespace}/{e.Metadata.Name}@{e.Metadata.ResourceVersion}"))
            .Concat(s.AffineBlocks.Select(b => $"affine {b}"))
            .Concat(s.Blocks.Select(b => $"block {b.Cidr} {b.Node}: {string.Join(' ', b.Allocations.Select(a => a.Address))}"))
            .Concat(s.Borrowed.Select(a => $"borrowed {a}")));
}

/// <summary>After a watch break — etcd killed and started again, with changes and a compaction while the watch was
/// away — the cache holds what a full list holds.</summary>
public sealed class ClusterCacheEtcdTests(EtcdServer etcd) : IClassFixture<EtcdServer>
{
    [Fact(Timeout = 120_000)]
    public async Task After_etcd_is_killed_and_restarted_the_cache_converges_to_a_full_list()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = await ClusterWriter.CreateAsync(etcd.Store, ct);
        for (var i = 0; i < 3; i++)
            await cluster.StartPodAsync(ClusterWriter.Remote, $"before{i}", ct);
        await using var nodeStore = new EtcdDatastore(EtcdOptions.Parse(etcd.Config));
        await using var follower = await CacheFollower.StartAsync(nodeStore, ClusterWriter.Local, ct);

        etcd.Stop();
        await etcd.StartAsync();
        await cluster.StopPodAsync(ClusterWriter.Remote, "before0", ct);
        for (var i = 0; i < 3; i++)
            await cluster.StartPodAsync(ClusterWriter.Remote, $"after{i}", ct);
        await cluster.StartPodAsync(ClusterWriter.Local, "local0", ct);
        etcd.Compact((await etcd.Store.ListAsync(ClusterCache.Root, ct)).Revision);

        var expected = ClusterCacheSqliteTests.Fingerprint(await ClusterCacheSqliteTests.FullListAsync(etcd.Store, ct));
        await follower.WaitForAsync(s => ClusterCacheSqliteTests.Fingerprint(s) == expected, "what a full list holds", TimeSpan.FromSeconds(60), ct);
    }
}

/// <summary>Writes a cluster the way the CLI and other nodes' CNI plugins do: a pool, two nodes, pods with addresses.</summary>
internal sealed class ClusterWriter
{
    public const string Local = "local";
    public const string Remote = "remote";

    private ClusterWriter(IDatastore store)
    {
        Resources = new ResourceStore(store);
        Ipam = new IpamService(store);
    }

    public ResourceStore Resources { get; }
    public IpamService Ipam { get; }

    public static async Task<ClusterWriter> CreateAsync(IDatastore store, CancellationToken ct)
    {
        var cluster = new ClusterWriter(store);
        await cluster.Resources.CreateAsync(new IPPool { Metadata = { Name = "default" }, Spec = { Cidr = "10.244.0.0/16", BlockSize = 26 } }, ct);
        foreach (var node in new[] { Local, Remote })
            await cluster.Resources.CreateAsync(new NodeResource { Metadata = { Name = node } }, ct);
        return cluster;
    }

    public async Task<IPAddress> StartPodAsync(string node, string pod, CancellationToken ct)
    {
        var address = Assert.Single(await Ipam.AutoAssignAsync(new AutoAssignRequest { Handle = Handle(pod), Node = node }, ct)).Address;
        await Resources.CreateAsync(new WorkloadEndpoint
        {
            Metadata = { Name = $"{node}-{pod}-eth0", Namespace = "default" },
            Spec = new WorkloadEndpointSpec
            {
                Node = node, Pod = pod, ContainerId = pod, Network = "k8s-pod-network", InterfaceName = "cali" + pod, IpNetworks = [address + "/32"],
            },
        }, ct);
        return address;
    }

    public async Task StopPodAsync(string node, string pod, CancellationToken ct)
    {
        await Resources.DeleteAsync<WorkloadEndpoint>($"{node}-{pod}-eth0", "default", ct);
        await Ipam.ReleaseByHandleAsync(Handle(pod), ct);
    }

    private static string Handle(string pod) => "k8s-pod-network." + pod;
}
