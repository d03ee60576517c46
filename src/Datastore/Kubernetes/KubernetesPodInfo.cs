using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    /// policy can refer to.</summary>
    public static List<WorkloadEndpointPort> NamedPorts(JsonNode? pod)
        => (pod?["spec"]?["containers"] as JsonArray ?? []).SelectMany(c => c?["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => p["name"] is JsonValue name && name.GetValueKind() == JsonValueKind.String
                        && p["containerPort"] is JsonValue port && port.GetValueKind() == JsonValueKind.Number)
            .Select(p => new WorkloadEndpointPort
            {
                Name = p["name"]!.GetValue<string>(),
                Port = p["containerPort"]!.GetValue<int>(),
                Protocol = p["protocol"] is JsonValue proto && proto.GetValueKind() == JsonValueKind.String ? proto.GetValue<string>() : "TCP",
            })
            .Where(p => p.Name.Length > 0 && p.Port > 0)
            .ToList();

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

    /// <summary>The pod, or null when it does not exist (deleted before the runtime called us).</summary>
    public async Task<PodInfo?> GetAsync(string ns, string pod, CancellationToken ct = default)
    {
        var obj = await new KubeCollection(client, KubeResource.Pods).GetAsync(pod, ns, ct);
        if (obj is null)
            return null;
        var nsObj = await new KubeCollection(client, KubeResource.Namespaces).GetAsync(ns, null, ct);
        return new PodInfo(ns, pod, obj["spec"]?["nodeName"]?.GetValue<string>(),
            StringMap(obj["metadata"]?["labels"]), StringMap(obj["metadata"]?["annotations"]), StringMap(nsObj?["metadata"]?["annotations"]))
        {
            Ports = PodInfo.NamedPorts(obj),
        };
    }

    private static Dictionary<string, string> StringMap(JsonNode? node) =>
        (node as JsonObject ?? []).Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
}
