using FsCheck;
using FsCheck.Fluent;
using L3Net.Model.Resources;

namespace L3Net.Tests.Property.Felix;

/// <summary>One change the node's policy calculation hears of. A small universe (six endpoints over three nodes, half of them local, and
/// two namespaces, four policies, a handful of addresses that endpoints may share), so that selectors match, sets
/// appear and disappear, and the local node's chains change all the time.</summary>
public abstract record RuleEvent;

/// <summary>Endpoint <c>Index</c> (namespace a or b by parity) on node n1 (local), n2 or n3, with a role label, one of
/// six IPv4 and two IPv6 addresses (so two pods can share one), maybe a named port, maybe no interface yet.</summary>
public sealed record PutEndpoint(int Index, int Node, string? Role, int Address, bool V6, bool NamedPort, bool Interface) : RuleEvent;

public sealed record DeleteEndpoint(int Index) : RuleEvent;

/// <summary>Policy <c>Index</c> in namespace a or b: selects pods by role (or all), allows from a peer that is a pod
/// selector, a namespace selector, an ipBlock or anyone, on a numbered port, a named one or any; maybe with egress.</summary>
public sealed record PutPolicy(int Index, string Namespace, string? Selects, int Peer, int Port, bool Egress) : RuleEvent;

public sealed record DeletePolicy(int Index) : RuleEvent;

public sealed record PutPools(bool NatOutgoing, bool V6) : RuleEvent;

/// <summary>Namespace a gains or loses <c>env=prod</c> (what namespaceSelector peers select).</summary>
public sealed record LabelNamespace(bool Prod) : RuleEvent;

public static class RuleEventGen
{
    private static readonly Gen<string?> Role = Gen.Elements<string?>("web", "db", null);

    private static readonly Gen<RuleEvent> Event = Gen.Frequency(
        (8, from i in Gen.Choose(0, 5) from n in Gen.Frequency((2, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3))) from r in Role from a in Gen.Choose(0, 5) from v6 in Gen.Elements(false, true)
            from np in Gen.Elements(false, true) from iface in Gen.Frequency((5, Gen.Constant(true)), (1, Gen.Constant(false)))
            select (RuleEvent)new PutEndpoint(i, n, r, a, v6, np, iface)),
        (4, Gen.Choose(0, 5).Select(i => (RuleEvent)new DeleteEndpoint(i))),
        (4, from i in Gen.Choose(0, 3) from ns in Gen.Elements("a", "b") from s in Role from peer in Gen.Choose(0, 4) from port in Gen.Choose(0, 2)
            from egress in Gen.Elements(false, true)
            select (RuleEvent)new PutPolicy(i, ns, s, peer, port, egress)),
        (2, Gen.Choose(0, 3).Select(i => (RuleEvent)new DeletePolicy(i))),
        (1, from nat in Gen.Elements(false, true) from v6 in Gen.Elements(false, true) select (RuleEvent)new PutPools(nat, v6)),
        (1, Gen.Elements(false, true).Select(p => (RuleEvent)new LabelNamespace(p))));

    public static Arbitrary<RuleEvent[]> Histories() => Property.Histories.Of(Event, maxSteps: 40);

    public static WorkloadEndpoint Endpoint(PutEndpoint e)
    {
        var ns = e.Index % 2 == 0 ? "a" : "b";
        return new WorkloadEndpoint
        {
            Metadata = { Name = $"ep{e.Index}", Namespace = ns, Labels = e.Role is null ? [] : new() { ["role"] = e.Role } },
            Spec = new WorkloadEndpointSpec
            {
                Node = $"n{e.Node}",
                Pod = $"pod{e.Index}",
                InterfaceName = e.Interface ? $"cali{e.Index}" : "",
                IpNetworks = e.V6 ? [$"10.244.0.{e.Address}/32", $"fd00::{e.Address % 2}/128"] : [$"10.244.0.{e.Address}/32"],
                Ports = e.NamedPort ? [new WorkloadEndpointPort { Name = "http", Protocol = "TCP", Port = 8000 + e.Address }] : null,
            },
        };
    }

    public static NetworkPolicy Policy(PutPolicy p)
    {
        NetworkPolicyPeer? peer = p.Peer switch
        {
            0 => new NetworkPolicyPeer { PodSelector = Selector(p.Selects == "web" ? "db" : "web") },
            1 => new NetworkPolicyPeer { NamespaceSelector = new KubeLabelSelector { MatchLabels = new() { ["env"] = "prod" } } },
            2 => new NetworkPolicyPeer { IpBlock = new IpBlock { Cidr = "10.244.0.0/29", Except = ["10.244.0.4/30"] } },
            3 => new NetworkPolicyPeer { NamespaceSelector = new KubeLabelSelector(), PodSelector = Selector("db") },
            _ => null,
        };
        NetworkPolicyPort? port = p.Port switch
        {
            0 => new NetworkPolicyPort { Protocol = "TCP", Port = "80" },
            1 => new NetworkPolicyPort { Protocol = "TCP", Port = "http" },
            _ => null,
        };
        List<NetworkPolicyPeer>? peers = peer is null ? null : [peer];
        List<NetworkPolicyPort>? ports = port is null ? null : [port];
        return new NetworkPolicy
        {
            Metadata = { Name = $"np{p.Index}", Namespace = p.Namespace },
            Spec = new NetworkPolicySpec
            {
                PodSelector = p.Selects is null ? new KubeLabelSelector() : Selector(p.Selects),
                Ingress = [new NetworkPolicyIngressRule { From = peers, Ports = ports }],
                Egress = p.Egress ? [new NetworkPolicyEgressRule { To = peers, Ports = ports }] : null,
            },
        };
    }

    public static List<IPPool> Pools(PutPools p)
    {
        List<IPPool> pools = [new IPPool { Metadata = { Name = "v4" }, Spec = { Cidr = "10.244.0.0/16", NatOutgoing = p.NatOutgoing } }];
        if (p.V6)
            pools.Add(new IPPool { Metadata = { Name = "v6" }, Spec = { Cidr = "fd00::/48", NatOutgoing = true } });
        return pools;
    }

    private static KubeLabelSelector Selector(string role) => new() { MatchLabels = new() { ["role"] = role } };
}
