using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using L3Net.Model.Resources;

namespace L3Net.Datastore.Kubernetes;

/// <summary>What the CNI plugin needs to know about the pod it wires: labels and named container ports (copied to
/// the WorkloadEndpoint), and the address annotations, the pod's own or else its namespace's (as Calico reads them).</summary>
public sealed record PodInfo(string Namespace, string Name, string? NodeName,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyDictionary<string, string> NamespaceAnnotations)
{
    /// <summary>The ports a NetworkPolicy can name (<see cref="NamedPorts"/>).</summary>
    public IReadOnlyList<WorkloadEndpointPort> Ports { get; init; } = [];

    /// <summary>The named ports of a pod object's containers (<c>spec.containers[].ports[]</c> with a name and a
    /// number; protocol TCP unless given), as Calico puts them on its WorkloadEndpoint: unnamed ports are nothing a
    /// policy can refer to. This reads the JSON form watch events carry.</summary>
    public static List<WorkloadEndpointPort> NamedPorts(JsonNode? pod)
        => NamedPorts((pod?["spec"]?["containers"] as JsonArray ?? []).SelectMany(c => c?["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(p => (Text(p["name"]), p["containerPort"] is JsonValue port && port.GetValueKind() == JsonValueKind.Number ? port.GetValue<int>() : (int?)null,
                Text(p["protocol"]))));

    /// <summary>The same, of a pod the library's typed API returned.</summary>
    public static List<WorkloadEndpointPort> NamedPorts(V1Pod pod)
        => NamedPorts((pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).Select(p => ((string?)p.Name, (int?)p.ContainerPort, (string?)p.Protocol)));

    private static List<WorkloadEndpointPort> NamedPorts(IEnumerable<(string? Name, int? Port, string? Protocol)> ports)
        => ports.Where(p => p is { Name.Length: > 0, Port: > 0 })
            .Select(p => new WorkloadEndpointPort { Name = p.Name!, Port = p.Port!.Value, Protocol = p.Protocol ?? "TCP" })
            .ToList();

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public const string Ipv4PoolsAnnotation = "l3net.io/ipv4pools";
    public const string Ipv6PoolsAnnotation = "l3net.io/ipv6pools";
    public const string IpAddrsAnnotation = "l3net.io/ipAddrs";

    /// <summary>Pool names or CIDRs to assign IPv4 from; null when neither the pod nor its namespace says.</summary>
    public IReadOnlyList<string>? Ipv4Pools => StringList(Ipv4PoolsAnnotation, inherit: true);

    public IReadOnlyList<string>? Ipv6Pools => StringList(Ipv6PoolsAnnotation, inherit: true);

    /// <summary>Static addresses asked for by the pod (never inherited: two pods cannot share one).</summary>
    public IReadOnlyList<IPAddress>? IpAddrs => StringList(IpAddrsAnnotation, inherit: false)?
        .Select(a => IPAddress.TryParse(a, out var ip) ? ip : throw new FormatException($"pod {Namespace}/{Name}: annotation {IpAddrsAnnotation}: '{a}' is not an IP address"))
        .ToList();

    /// <summary>Annotation values are JSON string arrays (<c>["default-ipv4-ippool"]</c>); a malformed one is an
    /// error that names it, not a silent fallback to the default pools.</summary>
    private List<string>? StringList(string annotation, bool inherit)
    {
        var (text, owner) = Annotations.TryGetValue(annotation, out var own) ? (own, $"pod {Namespace}/{Name}")
            : inherit && NamespaceAnnotations.TryGetValue(annotation, out var inherited) ? (inherited, $"namespace {Namespace}")
            : (null, "");
        if (text is null)
            return null;
        try
        {
            return JsonNode.Parse(text) is JsonArray array && array.All(e => e is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                ? array.Select(e => e!.GetValue<string>()).ToList()
                : throw new FormatException($"{owner}: annotation {annotation} must be a JSON array of strings, not {text}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{owner}: annotation {annotation} is not JSON ({e.Message}): {text}", e);
        }
    }
}

/// <summary>Reads pod metadata for the CNI plugin: two GETs (the pod, its namespace) with the plugin's own
/// credentials (deploy/rbac.yaml grants l3net-cni get on pods and namespaces, nothing wider). It borrows the client
/// (the plugin's datastore owns it), so the lookup and the IPAM writes share one connection and one TLS handshake.</summary>
public sealed class KubernetesPodInfo(KubeApi client)
{

    /// <summary>The pod, or null when it does not exist (deleted before the runtime called us). Read from the typed
    /// objects the library returns: turning them back into JSON would cost the plugin more than both GETs.</summary>
    public async Task<PodInfo?> GetAsync(string ns, string pod, CancellationToken ct = default)
    {
        // Both at once: one round trip instead of two (the library speaks HTTP/2 to a TLS API server, so they share
        // its connection). The namespace is read even for a pod that turns out to be gone; that costs nothing.
        var podRead = client.GetOrNullAsync($"get pods {ns}/{pod}", () => client.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: ct));
        var nsRead = client.GetOrNullAsync($"get namespaces/{ns}", () => client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct));
        await Task.WhenAll(podRead, nsRead);
        var (obj, nsObj) = (podRead.Result, nsRead.Result);
        if (obj is null)
            return null;
        return new PodInfo(ns, pod, obj.Spec?.NodeName, Copy(obj.Metadata?.Labels), Copy(obj.Metadata?.Annotations), Copy(nsObj?.Metadata?.Annotations))
        {
            Ports = PodInfo.NamedPorts(obj),
        };
    }

    /// <summary>
    /// For a process that reads Pods and Namespaces only for <see cref="PodInfo"/> (the CNI plugin): the library's JSON
    /// contracts of <see cref="V1Pod"/>, <see cref="V1PodSpec"/>, <see cref="V1Container"/> and <see cref="V1Namespace"/>
    /// keep only the fields PodInfo reads, so the first read does not build the contract of every type a Pod can hold
    /// (status, volumes, probes, ...): that cost the plugin more than both GETs. Process-wide, and only before the
    /// client is built (building it fixes the library's JSON options); every other field of those objects reads as
    /// null afterwards.
    /// </summary>
    public static void ReadOnlyWhatPodInfoNeeds()
        => KubernetesJson.AddJsonOptions(json => json.TypeInfoResolver = json.TypeInfoResolver?.WithAddedModifier(KeepPodInfoFields));

    private static readonly Dictionary<Type, string[]> PodInfoFields = new()
    {
        [typeof(V1Pod)] = ["metadata", "spec"],
        [typeof(V1PodSpec)] = ["containers", "nodeName"],
        [typeof(V1Container)] = ["name", "ports"],
        [typeof(V1Namespace)] = ["metadata"],
    };

    private static void KeepPodInfoFields(JsonTypeInfo contract)
    {
        if (!PodInfoFields.TryGetValue(contract.Type, out var keep))
            return;
        for (var i = contract.Properties.Count - 1; i >= 0; i--)
        {
            if (!keep.Contains(contract.Properties[i].Name))
                contract.Properties.RemoveAt(i);
        }
    }

    private static Dictionary<string, string> Copy(IDictionary<string, string>? map) => map is null ? [] : new(map);
}
