using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Felix.Policy;
using L3Net.Node.Cache;
using L3Net.Model.Resources;
using L3Net.Node;
using L3Net.Node.Kubernetes;
using Xunit;
using L3Net.Tests.Unit.Kubernetes;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Node;

/// <summary>
/// Issue 9 on the fake API server: what the node daemon computes under the Kubernetes datastore, through the same
/// calls it makes (the cluster cache with <see cref="KubeMetadata"/> laid over it, Felix's rule calculation), with no kernel.
/// A networking.k8s.io NetworkPolicy created through the API reaches Felix; a Pod's and a Namespace's label changes
/// in the API move pods into the policy's peer sets although the WorkloadEndpoints still hold the labels of ADD time;
/// a Pod's named container ports reach its WorkloadEndpoint; a Kubernetes Node's labels reach the Node resource that
/// BGPPeer selectors match.
/// </summary>
public sealed class KubeMetadataTests
{
    private const string Web = "10.244.0.1";
    private const string ClientIp = "10.244.0.2";

    [Fact]
    public async Task Policies_and_pod_namespace_and_node_labels_from_the_api_reach_felix_desired_state()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = NewServer();
        await using var datastore = NewDatastore(server);
        var store = new ResourceStore(datastore);
        server.Put(KubeResource.Namespaces, Object("Namespace", "shop", null, new() { ["team"] = "a" }));
        server.Put(KubeResource.Pods, Object("Pod", "web", "shop", new() { ["app"] = "web" }));
        server.Put(KubeResource.Pods, Object("Pod", "client", "shop", new() { ["app"] = "client" }));
        server.Put(KubeResource.Nodes, Object("Node", "node1", null, new() { ["rack"] = "r1" }));
        var node = new NodeResource { Metadata = { Name = "node1" } };
        node.Spec.Bgp = new NodeBgpSpec { Ipv4Address = "10.0.1.2/24" };
        await store.CreateAsync(node, ct);
        await store.CreateAsync(Endpoint("web", Web + "/32"), ct);
        await store.CreateAsync(Endpoint("client", ClientIp + "/32"), ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var changes = 0;
        var kube = new KubeMetadata(Client(server), _ => Interlocked.Increment(ref changes), FastRetries);
        var running = kube.RunAsync(stop.Token);
        await kube.Synced.WaitAsync(TimeSpan.FromSeconds(10), ct);

        async Task<(ClusterSnapshot Snapshot, RuleSet Rules)> DesiredAsync()
        {
            var cache = new ClusterCache(datastore, "node1", kube);
            await cache.FillAsync(ct);
            var snapshot = cache.Snapshot();
            return (snapshot, RuleCalculator.Calculate(snapshot.ToRuleInputs("node1")));
        }

        var (before, none) = await DesiredAsync();
        Assert.Equal("r1", before.Nodes.Single().Metadata.Labels["rack"]);
        Assert.Equal("web", before.Endpoints.Single(e => e.Spec.Pod == "web").Metadata.Labels["app"]);
        Assert.DoesNotContain(none.V4.Chains, c => c.Name == "l3n-tw-caliweb");

        // Web pods accept role=allowed pods of their namespace, and every pod of team=b namespaces.
        server.Put(KubeResource.NetworkPolicies, JsonNode.Parse("""
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                      "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "allowed"}}},
                                            {"namespaceSelector": {"matchLabels": {"team": "b"}}}]}]}}
            """)!.AsObject());
        var (_, policed) = await DesiredAsync();
        Assert.Contains(policed.V4.Chains, c => c.Name == "l3n-tw-caliweb");
        Assert.DoesNotContain(PeerMembers(policed), m => m == ClientIp || m == Web);

        // The client pod gets role=allowed in the API: its IP joins a peer set; no WorkloadEndpoint was rewritten.
        Relabel(server, KubeResource.Pods, "client", "shop", new() { ["app"] = "client", ["role"] = "allowed" });
        var (_, allowed) = await UntilAsync(DesiredAsync, d => PeerMembers(d.Rules).Contains(ClientIp), () => changes);
        Assert.DoesNotContain(Web, PeerMembers(allowed));
        Assert.Empty((await store.GetAsync<WorkloadEndpoint>("node1-client-eth0", "shop", ct))!.Metadata.Labels);

        // The namespace becomes team=b: both pods join the namespaceSelector's set.
        Relabel(server, KubeResource.Namespaces, "shop", null, new() { ["team"] = "b" });
        await UntilAsync(DesiredAsync, d => PeerMembers(d.Rules).Contains(Web), () => changes);

        // The web pod's named container port reaches its WorkloadEndpoint (written without ports) as the API has it.
        var webPod = server.Read(Id(KubeResource.Pods), "shop", "web")!;
        webPod["spec"] = JsonNode.Parse("""{"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]}""");
        server.Update(Id(KubeResource.Pods), "shop", webPod);
        var (withPorts, _) = await UntilAsync(DesiredAsync, d => d.Snapshot.Endpoints.Single(e => e.Spec.Pod == "web").Spec.Ports is { Count: 1 }, () => changes);
        Assert.Equal(("http", "TCP", 8080), withPorts.Endpoints.Single(e => e.Spec.Pod == "web").Spec.Ports!.Select(p => (p.Name, p.Protocol, p.Port)).Single());

        await stop.CancelAsync();
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    [Fact]
    public async Task A_remote_pod_change_in_the_api_names_its_one_endpoint_to_the_dataplane_without_a_list_call()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = NewServer();
        await using var datastore = NewDatastore(server);
        var store = new ResourceStore(datastore);
        server.Put(KubeResource.Namespaces, Object("Namespace", "shop", null, new() { ["team"] = "a" }));
        server.Put(KubeResource.Pods, Object("Pod", "web", "shop", new() { ["app"] = "web" }));
        server.Put(KubeResource.Pods, Object("Pod", "client", "shop", new() { ["app"] = "client" }));
        server.Put(KubeResource.Pods, Object("Pod", "db", "store", new() { ["app"] = "db" }));
        server.Put(KubeResource.Nodes, Object("Node", "node1", null, new() { ["rack"] = "r1" }));
        var node = new NodeResource { Metadata = { Name = "node1" } };
        node.Spec.Bgp = new NodeBgpSpec { Ipv4Address = "10.0.1.2/24" };
        await store.CreateAsync(node, ct);
        await store.CreateAsync(Endpoint("web", Web + "/32"), ct);
        await store.CreateAsync(Endpoint("db", "10.244.0.3/32", "store"), ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var woken = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        ClusterCache? cache = null;
        var kube = new KubeMetadata(Client(server), change =>
        {
            cache?.MetadataChanged(change);
            woken.Writer.TryWrite(true);
        }, FastRetries);
        cache = new ClusterCache(datastore, "node1", kube);
        var informers = kube.RunAsync(stop.Token);
        await kube.Synced.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await cache.FillAsync(ct);
        var watch = cache.FollowAsync(new CacheObserver(() => woken.Writer.TryWrite(true), _ => { }, () => { }), stop.Token);

        async Task<ClusterSnapshot> UntilAsync(Func<ClusterSnapshot, bool> done, string what)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            for (var s = cache.Snapshot(); ; s = cache.Snapshot())
            {
                if (done(s))
                    return s;
                try
                {
                    await woken.Reader.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    Assert.Fail($"{what} never reached the cache");
                }
            }
        }
        List<string> ReadsSince(int from) => [.. server.Requests.ToArray().Skip(from).Where(r => !r.Contains("watch=true", StringComparison.Ordinal))];
        const string Remote = "/l3net/workloadendpoints/shop/node2-client-eth0";

        // Another node's CNI plugin writes the client pod's endpoint: it arrives with the API's labels for its pod.
        await store.CreateAsync(Endpoint("client", ClientIp + "/32", node: "node2"), ct);
        var started = await UntilAsync(s => s.Endpoints.ByKey.ContainsKey(Remote), "the remote endpoint");
        Assert.Equal("client", started.Endpoints.ByKey[Remote].Metadata.Labels["app"]);

        // The client pod gets role=allowed in the API: its one endpoint is laid over again and named, nothing listed,
        // the speaker's inputs (the nodes) left as they were.
        var requests = server.Requests.Count;
        var labelled = cache.Snapshot();
        Relabel(server, KubeResource.Pods, "client", "shop", new() { ["app"] = "client", ["role"] = "allowed" });
        var relabelled = await UntilAsync(s => s.Endpoints.ByKey[Remote].Metadata.Labels.ContainsKey("role"), "the pod's new label");
        Assert.Equal([Remote], relabelled.Changes.Take(labelled.JournalPosition, relabelled.JournalPosition));
        Assert.Empty(ReadsSince(requests));
        Assert.Same(labelled.Nodes, relabelled.Nodes);
        Assert.Equal("r1", relabelled.Nodes.Single().Metadata.Labels["rack"]);
        Assert.False(labelled.Endpoints.ByKey[Remote].Metadata.Labels.ContainsKey("role"), "a snapshot handed out keeps what it held");

        // The namespace gets new labels: its two endpoints are named (their namespaceSelector sets), not the other one.
        Relabel(server, KubeResource.Namespaces, "shop", null, new() { ["team"] = "b" });
        var moved = await UntilAsync(s => s.NamespaceLabels("shop").GetValueOrDefault("team") == "b", "the namespace's new label");
        moved = await UntilAsync(s => s.JournalPosition >= relabelled.JournalPosition + 2, "both endpoints of the namespace");
        Assert.Equal(["/l3net/workloadendpoints/shop/node1-web-eth0", Remote], moved.Changes.Take(relabelled.JournalPosition, moved.JournalPosition)!.Order(StringComparer.Ordinal));
        Assert.Empty(ReadsSince(requests));
        Assert.Equal("a", relabelled.NamespaceLabels("shop")["team"]);

        await stop.CancelAsync();
        await Task.WhenAll(informers, watch).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    [Fact]
    public async Task After_410_Gone_the_pods_are_relisted_and_what_was_missed_meanwhile_is_seen()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = NewServer();
        server.Put(KubeResource.Pods, Object("Pod", "p1", "default", new() { ["app"] = "a" }));
        server.Put(KubeResource.Pods, Object("Pod", "p2", "default", new() { ["app"] = "b" }));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var changes = 0;
        using var api = Client(server);
        var kube = new KubeMetadata(api, _ => Interlocked.Increment(ref changes), FastRetries);
        var running = kube.RunAsync(stop.Token);
        await kube.Synced.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await L3Net.Testing.Eventually.AssertAsync(() => server.OpenWatches == 3, TimeSpan.FromSeconds(10), "the three watches");
        var lists = server.Requests.Count(r => r.StartsWith("GET /api/v1/pods?", StringComparison.Ordinal) && !r.Contains("watch=true"));

        // Away while p1 goes and p3 comes, and the history of it is compacted: only a relist can tell.
        server.RefuseWatches = true;
        server.DropWatches();
        server.Remove(Id(KubeResource.Pods), "default", "p1");
        server.Put(KubeResource.Pods, Object("Pod", "p3", "default", new() { ["app"] = "c" }));
        server.Compact(server.CurrentRevision);
        server.RefuseWatches = false;
        await L3Net.Testing.Eventually.AssertAsync(() => kube.PodKeys.Contains("default/p3") && !kube.PodKeys.Contains("default/p1"),
            TimeSpan.FromSeconds(10), "the relist", () => string.Join(", ", kube.PodKeys));

        Assert.Equal(["default/p2", "default/p3"], kube.PodKeys.Order());
        Assert.True(server.Requests.Count(r => r.StartsWith("GET /api/v1/pods?", StringComparison.Ordinal) && !r.Contains("watch=true")) > lists);
        await stop.CancelAsync();
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    /// <summary>Members of the policy peer sets (not the pool sets NAT outgoing uses).</summary>
    private static List<string> PeerMembers(RuleSet rules)
        => [.. rules.Sets.Where(s => s.Name.StartsWith("l3n-s-", StringComparison.Ordinal)).SelectMany(s => s.Members)];

    /// <summary>Re-reads the desired state after each change the informers report, for at most 10 s.</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T>> desired, Func<T, bool> done, Func<int> changes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var seen = changes();
            var d = await desired();
            if (done(d))
                return d;
            Assert.True(DateTime.UtcNow < deadline, $"the API change never reached the desired state ({seen} informer changes)");
            while (changes() == seen && DateTime.UtcNow < deadline)
                await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private static void Relabel(FakeKubeApiServer server, KubeResource resource, string name, string? ns, Dictionary<string, string> labels)
    {
        var current = server.Read(Id(resource), ns, name)!;
        current["metadata"]!["labels"] = Labels(labels);
        server.Update(Id(resource), ns, current);
    }

    private static WorkloadEndpoint Endpoint(string pod, string ip, string ns = "shop", string node = "node1") => new()
    {
        Metadata = { Name = $"{node}-{pod}-eth0", Namespace = ns },
        Spec = new WorkloadEndpointSpec
        {
            Node = node, Pod = pod, ContainerId = pod, Network = "k8s-pod-network", InterfaceName = "cali" + pod, IpNetworks = [ip],
        },
    };

    private static JsonObject Object(string kind, string name, string? ns, Dictionary<string, string> labels)
    {
        var metadata = new JsonObject { ["name"] = name, ["labels"] = Labels(labels) };
        if (ns is not null)
            metadata["namespace"] = ns;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = kind, ["metadata"] = metadata };
    }

    private static JsonObject Labels(Dictionary<string, string> labels) => new(labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}
