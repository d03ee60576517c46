using System.Net;
using System.Text.Json.Nodes;
using L3Net.Datastore.Kubernetes;
using L3Net.Testing;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>Pod metadata for the CNI plugin, read through KubernetesClient's typed Pod and Namespace API from the fake.</summary>
public sealed class KubernetesPodInfoTests
{
    private static JsonObject Pod(string name, string node, JsonObject? annotations = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "web", ["labels"] = new JsonObject { ["app"] = name }, ["annotations"] = annotations ?? [] },
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
        var ct = TestContext.Current.CancellationToken;
        server.Put(KubeResource.Namespaces, Namespace("web", new JsonObject { [PodInfo.Ipv4PoolsAnnotation] = """["ns-pool"]""" }));
        server.Put(KubeResource.Pods, Pod("a", "n1", new JsonObject
        {
            [PodInfo.Ipv4PoolsAnnotation] = """["pod-pool","10.9.0.0/24"]""",
            [PodInfo.IpAddrsAnnotation] = """["10.9.0.7"]""",
        }));
        server.Put(KubeResource.Pods, Pod("b", "n1"));
        server.Put(KubeResource.Pods, Pod("bad", "n1", new JsonObject { [PodInfo.IpAddrsAnnotation] = "10.9.0.7" }));
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
}
