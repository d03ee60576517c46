using System.Net;
using System.Text.Json.Nodes;
using L3Net.Datastore.Kubernetes;
using L3Net.Testing;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>Pod metadata for the CNI plugin and the self-healing informer for the node daemon, on the fake API.</summary>
public sealed class KubernetesPodInfoTests
{
    private static JsonObject Pod(string name, string node, JsonObject? annotations = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name }, ["annotations"] = annotations ?? [] },
        ["spec"] = new JsonObject
        {
            ["nodeName"] = node,
            ["containers"] = JsonNode.Parse("""
                [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 9000}]},
                 {"name": "dns", "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]}]
                """),
        },
    };

    private static JsonObject Namespace(string name, JsonObject annotations) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = annotations },
    };

    [Fact]
    public async Task The_plugin_reads_labels_pools_and_static_addresses_with_namespace_pools_as_fallback()
    {
        await using var server = NewServer();
        using var client = Client(server);
        var ct = TestContext.Current.CancellationToken;
        await client.CreateAsync(KubeResource.Namespaces.CollectionPath(), Namespace("web", new JsonObject { [PodInfo.Ipv4PoolsAnnotation] = """["ns-pool"]""" }), ct);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("web"), Pod("a", "n1", new JsonObject
        {
            [PodInfo.Ipv4PoolsAnnotation] = """["pod-pool","10.9.0.0/24"]""",
            [PodInfo.IpAddrsAnnotation] = """["10.9.0.7"]""",
        }), ct);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("web"), Pod("b", "n1"), ct);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("web"), Pod("bad", "n1", new JsonObject { [PodInfo.IpAddrsAnnotation] = "10.9.0.7" }), ct);
        using var reader = Client(server);
        var pods = new KubernetesPodInfo(reader);

        var a = (await pods.GetAsync("web", "a", ct))!;
        var b = (await pods.GetAsync("web", "b", ct))!;

        Assert.Equal("a", a.Labels["app"]);
        // Only named ports: an unnamed one is nothing a policy can refer to.
        Assert.Equal([("http", "TCP", 8080), ("dns", "UDP", 53)], a.Ports.Select(p => (p.Name, p.Protocol, p.Port)));
        Assert.Equal("n1", a.NodeName);
        Assert.Equal(["pod-pool", "10.9.0.0/24"], a.Ipv4Pools!);
        Assert.Equal([IPAddress.Parse("10.9.0.7")], a.IpAddrs!);
        Assert.Equal(["ns-pool"], b.Ipv4Pools!);
        Assert.Null(b.IpAddrs);
        Assert.Null(b.Ipv6Pools);
        Assert.Null(await pods.GetAsync("web", "gone", ct));
        var bad = (await pods.GetAsync("web", "bad", ct))!;
        var e = Assert.Throws<FormatException>(() => bad.IpAddrs);
        Assert.Contains("l3net.io/ipAddrs", e.Message);
    }

    [Fact]
    public async Task The_informer_relists_after_410_and_reports_what_it_missed()
    {
        await using var server = NewServer();
        using var client = Client(server);
        var ct = TestContext.Current.CancellationToken;
        await client.CreateAsync(KubeResource.Pods.CollectionPath("default"), Pod("p1", "n1"), ct);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("default"), Pod("p2", "n1"), ct);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("default"), Pod("elsewhere", "n2"), ct);
        var informer = new KubeInformer(Client(server), KubeResource.Pods, fieldSelector: "spec.nodeName=n1", options: FastRetries);
        var changes = new List<KubeChange>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = Task.Run(async () =>
        {
            await foreach (var c in informer.RunAsync(stop.Token))
                lock (changes) changes.Add(c);
        }, ct);
        List<KubeChange> Seen() { lock (changes) return [.. changes]; }
        await Eventually.AssertAsync(() => Seen().Any(c => c.Type == KubeChangeType.Synced) && server.OpenWatches == 1, TimeSpan.FromSeconds(10), "first sync");
        Assert.Equal(["default/p1", "default/p2"], Seen().Where(c => c.Type == KubeChangeType.Upsert).Select(c => c.Key).Order());

        // Away while p1 goes, p3 comes, and the history of it is compacted: only a relist can tell.
        server.RefuseWatches = true;
        server.DropWatches();
        await client.DeleteAsync(KubeResource.Pods.ItemPath("p1", "default"), null, ct);
        await client.CreateAsync(KubeResource.Pods.CollectionPath("default"), Pod("p3", "n1"), ct);
        server.Compact(server.CurrentRevision);
        var before = Seen().Count;
        server.RefuseWatches = false;
        await Eventually.AssertAsync(() => Seen().Count(c => c.Type == KubeChangeType.Synced) == 2, TimeSpan.FromSeconds(10), "relist", () => string.Join(", ", Seen()));

        var missed = Seen().Skip(before).ToList();
        Assert.Contains(missed, c => c.Type == KubeChangeType.Delete && c.Key == "default/p1");
        Assert.Contains(missed, c => c.Type == KubeChangeType.Upsert && c.Key == "default/p3");
        Assert.DoesNotContain(missed, c => c.Key == "default/p2");
        Assert.Equal(["default/p2", "default/p3"], informer.Cache.Keys.Order());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
