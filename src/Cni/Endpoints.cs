using System.Text;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Model.Resources;

namespace L3Net.Cni;

/// <summary>The WorkloadEndpoint record of an attachment: written by ADD, removed by DEL and GC.</summary>
public static class Endpoints
{
    /// <summary>"{node}-{pod}-{endpoint}" (the container ID stands in for the pod outside Kubernetes), made a valid name.</summary>
    public static string NameOf(string node, CniEnvironment env) =>
        Sanitize($"{node}-{env.PodName ?? env.ContainerId}-{env.IfName}");

    public static string NamespaceOf(CniEnvironment env) => Sanitize(env.PodNamespace ?? "default");

    /// <summary>The record; <paramref name="pod"/> (Kubernetes datastore) gives its labels, what policy selectors match,
    /// and its named ports, what policy ports given by name resolve to.</summary>
    public static WorkloadEndpoint Build(string node, string network, CniEnvironment env, PodInterfaces interfaces,
        IEnumerable<string> ipNetworks, PodInfo? pod = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = NameOf(node, env),
            Namespace = NamespaceOf(env),
            Labels = pod is null ? new Dictionary<string, string>() : new Dictionary<string, string>(pod.Labels),
        },
        Spec = new WorkloadEndpointSpec
        {
            Node = node,
            Orchestrator = env.PodName is null ? "cni" : "k8s",
            Pod = env.PodName ?? "",
            ContainerId = env.ContainerId,
            Network = network,
            Endpoint = env.IfName,
            InterfaceName = interfaces.HostName,
            IpNetworks = ipNetworks.ToList(),
            Mac = interfaces.ContainerMac,
            Ports = pod is { Ports.Count: > 0 } ? [.. pod.Ports] : null,
        },
    };

    /// <summary>Deletes the record if it still belongs to this container: a newer sandbox of the same pod keeps its own.</summary>
    public static async Task DeleteAsync(ResourceStore store, string node, CniEnvironment env, CancellationToken ct)
    {
        var name = NameOf(node, env);
        var ns = NamespaceOf(env);
        var current = await store.GetAsync<WorkloadEndpoint>(name, ns, ct);
        if (current is null || current.Spec.ContainerId != env.ContainerId)
            return;
        try
        {
            await store.DeleteAsync<WorkloadEndpoint>(name, ns, ct);
        }
        catch (NotFoundException)
        {
            // Gone meanwhile: that is what we wanted.
        }
    }

    private static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-');
        return sb.ToString().Trim('-', '.');
    }
}
