using System.Text.Json.Serialization;
using L3Net.Model.Serialization;

namespace L3Net.Model.Resources;

/// <summary>The Kubernetes NetworkPolicy (networking.k8s.io/v1 schema), stored so Felix can enforce it.</summary>
public sealed class NetworkPolicy : Resource<NetworkPolicySpec>
{
    public override string Kind => "NetworkPolicy";
}

public sealed class NetworkPolicySpec
{
    public KubeLabelSelector PodSelector { get; set; } = new();

    /// <summary><c>Ingress</c> and/or <c>Egress</c>.</summary>
    public List<string>? PolicyTypes { get; set; }

    public List<NetworkPolicyIngressRule>? Ingress { get; set; }
    public List<NetworkPolicyEgressRule>? Egress { get; set; }
}

public sealed class NetworkPolicyIngressRule
{
    public List<NetworkPolicyPeer>? From { get; set; }
    public List<NetworkPolicyPort>? Ports { get; set; }
}

public sealed class NetworkPolicyEgressRule
{
    public List<NetworkPolicyPeer>? To { get; set; }
    public List<NetworkPolicyPort>? Ports { get; set; }
}

public sealed class NetworkPolicyPeer
{
    public KubeLabelSelector? PodSelector { get; set; }
    public KubeLabelSelector? NamespaceSelector { get; set; }
    public IpBlock? IpBlock { get; set; }
}

public sealed class IpBlock
{
    public string Cidr { get; set; } = "";
    public List<string>? Except { get; set; }
}

public sealed class NetworkPolicyPort
{
    /// <summary><c>TCP</c> (default), <c>UDP</c> or <c>SCTP</c>.</summary>
    public string? Protocol { get; set; }

    /// <summary>A port number or a named container port (Kubernetes IntOrString, kept as text).</summary>
    [JsonConverter(typeof(IntOrStringConverter))]
    public string? Port { get; set; }

    public int? EndPort { get; set; }
}

/// <summary>The Kubernetes metav1.LabelSelector: all of <c>matchLabels</c> and all of <c>matchExpressions</c>.</summary>
public sealed class KubeLabelSelector
{
    public Dictionary<string, string>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed class LabelSelectorRequirement
{
    public string Key { get; set; } = "";

    /// <summary><c>In</c>, <c>NotIn</c>, <c>Exists</c>, <c>DoesNotExist</c>.</summary>
    public string Operator { get; set; } = "";

    public List<string>? Values { get; set; }
}
