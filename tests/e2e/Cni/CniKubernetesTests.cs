using System.Net;
using System.Text.Json.Nodes;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Lab;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Testing;
using L3Net.Tests.Unit.Kubernetes;
using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>
/// The plugin on the Kubernetes API datastore (issue 9): a pod's `l3net.io/ipv4pools` annotation picks the pool,
/// `l3net.io/ipAddrs` fixes the address, and the pod's labels land on its WorkloadEndpoint. No API server can run
/// here, so the unit tests' FAKE API server stands in; it listens inside the node namespace, where the plugin runs,
/// and the test reaches it through a relay.
/// </summary>
[Collection(CniHarness.Collection)]
public sealed class CniKubernetesTests
{
    [Fact]
    public async Task A_pod_gets_its_annotated_pool_or_static_address_and_its_labels_on_the_endpoint()
    {
        Requires.Netns();
        using var h = new CniHarness();
        var ct = TestContext.Current.CancellationToken;
        // Created on a thread inside the node namespace: the listening socket lives there for good.
        await using var server = NetNamespace.Run(h.Node.NetnsPath, () => KubeTestSupport.NewServer());
        await using var relay = new NamespaceRelay(h.Node.Namespace, new IPEndPoint(IPAddress.Loopback, server.Url.Port));
        KubeApi ViaRelay() => KubeApi.Connect(new k8s.KubernetesClientConfiguration { Host = $"http://127.0.0.1:{relay.Port}" }, KubeTestSupport.FastRetries);
        var kubeconfig = Path.Combine(Path.GetDirectoryName(h.LogFile)!, "kubeconfig");
        await KubeTestSupport.WriteKubeconfigAsync(kubeconfig, server, "t", ct);

        await using (var store = new KubernetesDatastore(ViaRelay(), KubeTestSupport.FastRetries))
        {
            var resources = new ResourceStore(store);
            await resources.ApplyAsync(new IPPool { Metadata = { Name = "default" }, Spec = { Cidr = "10.77.0.0/24", BlockSize = 28 } }, ct);
            await resources.ApplyAsync(new IPPool { Metadata = { Name = "gold" }, Spec = { Cidr = "10.78.0.0/24", BlockSize = 28 } }, ct);
        }
        server.Put(KubeResource.Namespaces, Object("Namespace", "shop", null, []));
        server.Put(KubeResource.Pods, Object("Pod", "cart", "shop", new JsonObject { [PodInfo.Ipv4PoolsAnnotation] = """["gold"]""" }));
        server.Put(KubeResource.Pods, Object("Pod", "till", "shop", new JsonObject { [PodInfo.IpAddrsAnnotation] = """["10.77.0.42"]""" }));

        var conf = h.Conf().Replace($"\"{h.DatastoreUrl}\"", $"\"kubernetes://{kubeconfig}\"");
        var cartPod = h.AddPod("cart");
        var tillPod = h.AddPod("till");
        var cart = await h.RunAsync(conf, Env(h, "ADD", "k1", cartPod, "cart"));
        var till = await h.RunAsync(conf, Env(h, "ADD", "k2", tillPod, "till"));
        var cartIp = CniHarness.PodAddress(cart.Ok());
        Assert.StartsWith("10.78.0.", cartIp);
        Assert.Equal("10.77.0.42", CniHarness.PodAddress(till.Ok()));
        Assert.True(cartPod.Ping("10.77.0.42"), "the annotated pods cannot reach each other");

        await using (var store = new KubernetesDatastore(ViaRelay(), KubeTestSupport.FastRetries))
        {
            var endpoints = (await new ResourceStore(store).ListAsync<WorkloadEndpoint>(ct: ct)).Items;
            var wep = Assert.Single(endpoints, e => e.Spec.Pod == "cart");
            Assert.Equal("shop", wep.Metadata.Namespace);
            Assert.Equal("cart", wep.Metadata.Labels["app"]);
            Assert.Equal("web", wep.Metadata.Labels["tier"]);
            Assert.Equal([$"{cartIp}/32"], wep.Spec.IpNetworks);
            var port = Assert.Single(wep.Spec.Ports!);
            Assert.Equal(("http", "TCP", 8080), (port.Name, port.Protocol, port.Port));
        }

        (await h.RunAsync(conf, Env(h, "DEL", "k1", cartPod, "cart"))).Ok();
        (await h.RunAsync(conf, Env(h, "DEL", "k2", tillPod, "till"))).Ok();
        Assert.Empty(h.CaliLinks());
    }

    private static Dictionary<string, string> Env(CniHarness h, string command, string id, NetnsHost pod, string name)
    {
        var env = h.Env(command, id, pod, name);
        env["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME={name}";
        return env;
    }

    private static JsonObject Object(string kind, string name, string? ns, JsonObject? annotations) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["labels"] = new JsonObject { ["app"] = name, ["tier"] = "web" },
            ["annotations"] = annotations ?? [],
        },
        ["spec"] = ns is null ? new JsonObject() : new JsonObject
        {
            ["nodeName"] = CniHarness.NodeName,
            ["containers"] = JsonNode.Parse("""[{"name": "c", "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 9000}]}]"""),
        },
    };
}
