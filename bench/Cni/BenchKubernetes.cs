using System.Text.Json;
using System.Text.Json.Nodes;
using L3Net.Datastore.Kubernetes;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Tests.Unit.Kubernetes;

namespace L3Net.Bench.Cni;

/// <summary>
/// The Kubernetes datastore for the CNI benchmark: the unit tests' FAKE API server (no real one runs here), listening
/// in the node namespace where the plugin runs, a kubeconfig naming it, the pool as a CRD object and a Pod for every
/// container ID the plugin is invoked with, as a cluster would have them.
/// </summary>
internal sealed class BenchKubernetes : IAsyncDisposable
{
    public const string Namespace = "bench";

    private readonly FakeKubeApiServer _server;
    private readonly HashSet<string> _pods = [];

    private BenchKubernetes(FakeKubeApiServer server, string datastore) => (_server, Datastore) = (server, datastore);

    /// <summary>The datastore string the plugin's conflist carries.</summary>
    public string Datastore { get; }

    public static async Task<BenchKubernetes> StartAsync(string node, string work, IPPool pool)
    {
        // Created on a thread inside the node namespace: the listening socket lives there for good.
        var server = NetNamespace.Run($"/var/run/netns/{node}", () => KubeTestSupport.NewServer());
        var kubeconfig = Path.Combine(work, "kubeconfig");
        await KubeTestSupport.WriteKubeconfigAsync(kubeconfig, server, "bench");
        // The pool as `kubectl apply` would create its CRD object.
        var target = KubeKeyMap.Locate(ResourceKinds.Of<IPPool>().Key(pool.Metadata.Name, null));
        var value = JsonSerializer.SerializeToUtf8Bytes(pool, ResourceKinds.Of<IPPool>().JsonTypeInfo);
        server.Put(target.Route.Resource, KubeObjectCodec.ToObject(target, value, null));
        server.Put(KubeResource.Namespaces, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Namespace } });
        return new BenchKubernetes(server, "kubernetes://" + kubeconfig);
    }

    /// <summary>The Pod the runtime names in CNI_ARGS, created once (the same ID serves ADD and DEL).</summary>
    public void AddPod(string name)
    {
        lock (_pods)
        {
            if (!_pods.Add(name))
                return;
        }
        _server.Put(KubeResource.Pods, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace, ["labels"] = new JsonObject { ["app"] = "bench" } },
            ["spec"] = new JsonObject { ["nodeName"] = "bench", ["containers"] = JsonNode.Parse("""[{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]""") },
        });
    }

    /// <summary>The requests the server has seen so far ("METHOD target"), for counting what one invocation sends.</summary>
    public IReadOnlyList<string> Requests() => _server.RequestLog();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
