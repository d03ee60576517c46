using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>A pod's network interface, written by the CNI plugin. Named <c>{node}-{pod}-{endpoint}</c> in the pod's
/// namespace; labels are the pod's labels.</summary>
public sealed class WorkloadEndpoint : Resource<WorkloadEndpointSpec>
{
    public override string Kind => "WorkloadEndpoint";
}

public sealed class WorkloadEndpointSpec
{
    public string Node { get; set; } = "";
    public string Orchestrator { get; set; } = "k8s";
    public string Pod { get; set; } = "";

    [JsonPropertyName("containerID")]
    public string ContainerId { get; set; } = "";

    /// <summary>The CNI network name; with the container ID it forms the IPAM handle.</summary>
    public string Network { get; set; } = "";

    /// <summary>The interface inside the pod, e.g. <c>eth0</c>.</summary>
    public string Endpoint { get; set; } = "eth0";

    /// <summary>The host-side veth, <c>cali…</c>.</summary>
    public string InterfaceName { get; set; } = "";

    /// <summary>The pod's addresses as host prefixes, e.g. <c>10.244.1.5/32</c>.</summary>
    public List<string> IpNetworks { get; set; } = [];

    public string? Mac { get; set; }

    /// <summary>The pod's named container ports (Calico's <c>spec.ports</c>): what a NetworkPolicy port given by name
    /// resolves to on this pod. Null or empty when the pod names none.</summary>
    public List<WorkloadEndpointPort>? Ports { get; set; }
}

/// <summary>A named container port of the pod, e.g. <c>{name: http, protocol: TCP, port: 8080}</c>.</summary>
public sealed class WorkloadEndpointPort
{
    public string Name { get; set; } = "";

    /// <summary><c>TCP</c> (default), <c>UDP</c> or <c>SCTP</c>.</summary>
    public string Protocol { get; set; } = "TCP";

    public int Port { get; set; }
}
