using System.Text.Json.Nodes;
using L3Net.Datastore.Kubernetes;
using L3Net.Tests.Unit.Kubernetes;

namespace L3Net.Bench.Node;

/// <summary>
/// The Kubernetes datastore for the node-scale benchmark: the unit tests' FAKE API server (no real one runs here) on
/// the measuring namespace's loopback, a kubeconfig naming it, and beside the l3net objects the datastore writes the
/// API's own that the node follows with its informers: a Pod for every WorkloadEndpoint (started before the CNI plugin
/// writes the endpoint, deleted after it removed it), the Namespaces and the Kubernetes Nodes.
/// </summary>
internal sealed class NodeScaleKubernetes : IAsyncDisposable
{
    private readonly FakeKubeApiServer _server;

    private NodeScaleKubernetes(FakeKubeApiServer server, string datastore) => (_server, Datastore) = (server, datastore);

    /// <summary>The datastore string the node and the generator open.</summary>
    public string Datastore { get; }

    public static async Task<NodeScaleKubernetes> StartAsync(string dir)
    {
        var server = KubeTestSupport.NewServer();
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        await KubeTestSupport.WriteKubeconfigAsync(kubeconfig, server, "bench");
        return new NodeScaleKubernetes(server, "kubernetes://" + kubeconfig);
    }

    public void AddNamespace(string name) => _server.Put(KubeResource.Namespaces, Object("Namespace", name, null, null));

    public void AddNode(string name) => _server.Put(KubeResource.Nodes, Object("Node", name, null, null));

    public void AddPod(string ns, string name, string app, string node)
    {
        var pod = Object("Pod", name, ns, new JsonObject { ["app"] = app });
        pod["spec"] = new JsonObject { ["nodeName"] = node };
        _server.Put(KubeResource.Pods, pod);
    }

    public void RemovePod(string ns, string name) => _server.Remove(KubeTestSupport.Id(KubeResource.Pods), ns, name);

    private static JsonObject Object(string kind, string name, string? ns, JsonObject? labels)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (ns is not null)
            metadata["namespace"] = ns;
        if (labels is not null)
            metadata["labels"] = labels;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = kind, ["metadata"] = metadata };
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
