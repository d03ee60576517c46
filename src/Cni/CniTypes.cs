using System.Text.Json;
using System.Text.Json.Serialization;

namespace L3Net.Cni;

/// <summary>The network configuration on stdin (one plugin of a conflist, as the runtime hands it over).</summary>
public sealed class NetConf
{
    [JsonPropertyName("cniVersion")] public string? CniVersion { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("datastore")] public string? Datastore { get; set; }
    [JsonPropertyName("nodename")] public string? NodeName { get; set; }
    [JsonPropertyName("mtu")] public int Mtu { get; set; } = 1500;
    [JsonPropertyName("log_file")] public string? LogFile { get; set; }

    /// <summary>The node daemon's unix socket the plugin hands invocations to (default <see cref="Handoff.HandoffClient.DefaultSocket"/>).</summary>
    [JsonPropertyName("daemon_socket")] public string? DaemonSocket { get; set; }
    [JsonPropertyName("ipam")] public IpamConf? Ipam { get; set; }
    [JsonPropertyName("dns")] public Dns? Dns { get; set; }
    [JsonPropertyName("runtimeConfig")] public RuntimeConfig? RuntimeConfig { get; set; }
    [JsonPropertyName("prevResult")] public CniResult? PrevResult { get; set; }

    /// <summary>GC only: the attachments the runtime still knows; everything else of this network may go.</summary>
    [JsonPropertyName("cni.dev/valid-attachments")] public List<Attachment>? ValidAttachments { get; set; }
}

public sealed class IpamConf
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("ipv4_pools")] public List<string>? Ipv4Pools { get; set; }
    [JsonPropertyName("ipv6_pools")] public List<string>? Ipv6Pools { get; set; }

    // Calico writes these as strings ("true"); both forms are accepted.
    [JsonPropertyName("assign_ipv4")] public JsonElement AssignIpv4 { get; set; }
    [JsonPropertyName("assign_ipv6")] public JsonElement AssignIpv6 { get; set; }
}

public sealed class RuntimeConfig
{
    /// <summary>Static addresses ("10.244.1.9" or "10.244.1.9/32") from the runtime's `ips` capability.</summary>
    [JsonPropertyName("ips")] public List<string>? Ips { get; set; }
}

public sealed class Attachment
{
    [JsonPropertyName("containerID")] public string? ContainerId { get; set; }
    [JsonPropertyName("ifname")] public string? IfName { get; set; }
}

/// <summary>The ADD result (also prevResult). <see cref="IpConfig.Version"/> exists only in 0.3.x/0.4.0 answers.</summary>
public sealed class CniResult
{
    [JsonPropertyName("cniVersion")] public string? CniVersion { get; set; }
    [JsonPropertyName("interfaces")] public List<CniInterface> Interfaces { get; set; } = [];
    [JsonPropertyName("ips")] public List<IpConfig> Ips { get; set; } = [];
    [JsonPropertyName("routes")] public List<CniRoute> Routes { get; set; } = [];
    [JsonPropertyName("dns")] public Dns? Dns { get; set; }
}

public sealed class CniInterface
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("mac")] public string? Mac { get; set; }
    [JsonPropertyName("mtu")] public int? Mtu { get; set; }
    [JsonPropertyName("sandbox")] public string? Sandbox { get; set; }
}

public sealed class IpConfig
{
    [JsonPropertyName("version")] public string? Version { get; set; }
    [JsonPropertyName("address")] public string Address { get; set; } = "";
    [JsonPropertyName("gateway")] public string? Gateway { get; set; }
    [JsonPropertyName("interface")] public int? Interface { get; set; }
}

public sealed class CniRoute
{
    [JsonPropertyName("dst")] public string Dst { get; set; } = "";
    [JsonPropertyName("gw")] public string? Gw { get; set; }
}

public sealed class Dns
{
    [JsonPropertyName("nameservers")] public List<string>? Nameservers { get; set; }
    [JsonPropertyName("domain")] public string? Domain { get; set; }
    [JsonPropertyName("search")] public List<string>? Search { get; set; }
    [JsonPropertyName("options")] public List<string>? Options { get; set; }
}

public sealed class CniErrorReply
{
    [JsonPropertyName("cniVersion")] public string CniVersion { get; set; } = "";
    [JsonPropertyName("code")] public int Code { get; set; }
    [JsonPropertyName("msg")] public string Msg { get; set; } = "";
    [JsonPropertyName("details")] public string? Details { get; set; }
}

public sealed class VersionReply
{
    [JsonPropertyName("cniVersion")] public string CniVersion { get; set; } = "";
    [JsonPropertyName("supportedVersions")] public IReadOnlyList<string> SupportedVersions { get; set; } = [];
}

/// <summary>Source-generated (de)serializers: the plugin starts once per pod and must not pay for reflection.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowTrailingCommas = true)]
[JsonSerializable(typeof(NetConf))]
[JsonSerializable(typeof(CniResult))]
[JsonSerializable(typeof(CniErrorReply))]
[JsonSerializable(typeof(VersionReply))]
internal sealed partial class CniJson : JsonSerializerContext;
