using System.Net;
using L3Net.Bgp;
using L3Net.Model.Resources;
using L3Net.Model.Selectors;

namespace L3Net.Node.Bgp;

/// <summary>The cluster's BGP configuration as one node sees it.</summary>
public sealed record BgpInputs(
    NodeResource Self,
    IReadOnlyCollection<NodeResource> Nodes,
    BGPConfiguration? Config,
    IReadOnlyCollection<BGPPeer> Peers);

/// <summary>
/// Derives this node's BGP peers (pure, so every topology is unit-tested without sockets):
/// <list type="bullet">
/// <item>node-to-node mesh (unless BGPConfiguration turns it off): every other node; when some nodes carry a route
/// reflector cluster ID, ordinary nodes peer only with the reflectors and reflectors with everybody, treating
/// nodes without a cluster ID as their clients;</item>
/// <item>BGPPeer resources: global (no node, no selector), node specific (<c>node</c> or <c>nodeSelector</c>), to a
/// fixed <c>peerIP</c> or to the nodes a <c>peerSelector</c> picks.</item>
/// </list>
/// An explicit BGPPeer wins over a mesh session to the same address.
/// </summary>
public static class PeerCalculator
{
    public const string Mesh = "node-to-node mesh";
    public const string Global = "global";
    public const string NodeSpecific = "node specific";

    public static uint LocalAs(NodeResource node, BGPConfiguration? config)
        => Asn.TryParse(node.Spec.Bgp?.AsNumber, out var a) ? a : Asn.TryParse(config?.Spec.AsNumber, out var c) ? c : Asn.Default;

    public static IPAddress? Address(NodeResource node)
        => node.Spec.Bgp?.Ipv4Address is { } cidr && IPAddress.TryParse(cidr.Split('/')[0], out var a) ? a : null;

    public static IReadOnlyList<PeerConfig> Calculate(BgpInputs inputs, Action<string>? warn = null)
    {
        var self = inputs.Self;
        var selfAddress = Address(self);
        var peers = new Dictionary<IPAddress, PeerConfig>();
        var others = inputs.Nodes.Where(n => n.Metadata.Name != self.Metadata.Name && Address(n) is not null).ToList();

        foreach (var bgpPeer in inputs.Peers.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var s = bgpPeer.Spec;
            if (!AppliesTo(s, self))
                continue;
            var type = s.Node is null && string.IsNullOrWhiteSpace(s.NodeSelector) ? Global : NodeSpecific;
            if (!string.IsNullOrWhiteSpace(s.PeerSelector))
            {
                var selector = LabelSelector.Parse(s.PeerSelector);
                foreach (var n in others.Where(n => selector.Matches(n.Metadata.Labels)))
                {
                    peers[Address(n)!] = Build(bgpPeer, Address(n)!, 179, LocalAs(n, inputs.Config), type,
                        IsReflector(self) && !SameCluster(self, n));
                }
            }
            else if (s.PeerIp is { } ip && ParseEndpoint(ip) is { } ep)
            {
                if (!Asn.TryParse(s.AsNumber, out var asn))
                {
                    warn?.Invoke($"BGPPeer {bgpPeer.Metadata.Name}: no valid asNumber, ignored");
                    continue;
                }
                peers[ep.Address] = Build(bgpPeer, ep.Address, ep.Port, asn, type, false);
            }
        }

        if (inputs.Config?.Spec.NodeToNodeMeshEnabled ?? true)
        {
            var reflectors = others.Where(IsReflector).ToList();
            var meshWith = IsReflector(self) || reflectors.Count == 0 ? others : reflectors;
            foreach (var n in meshWith)
            {
                var address = Address(n)!;
                if (address.Equals(selfAddress) || peers.ContainsKey(address))
                    continue;
                peers[address] = new PeerConfig
                {
                    Address = address,
                    RemoteAs = LocalAs(n, inputs.Config),
                    PeerType = Mesh,
                    RouteReflectorClient = IsReflector(self) && !IsReflector(n),
                };
            }
        }
        peers.Remove(selfAddress ?? IPAddress.None);
        return [.. peers.Values.OrderBy(p => p.Address.ToString(), StringComparer.Ordinal)];
    }

    private static bool AppliesTo(BGPPeerSpec s, NodeResource self)
        => s.Node is { Length: > 0 } node ? node == self.Metadata.Name
         : string.IsNullOrWhiteSpace(s.NodeSelector) || LabelSelector.Parse(s.NodeSelector).Matches(self.Metadata.Labels);

    private static bool IsReflector(NodeResource n) => !string.IsNullOrWhiteSpace(n.Spec.Bgp?.RouteReflectorClusterId);

    private static bool SameCluster(NodeResource a, NodeResource b) => IsReflector(b) && a.Spec.Bgp?.RouteReflectorClusterId == b.Spec.Bgp?.RouteReflectorClusterId;

    private static PeerConfig Build(BGPPeer p, IPAddress address, int port, uint asn, string type, bool client) => new()
    {
        Address = address,
        Port = port,
        RemoteAs = asn,
        PeerType = type,
        Password = p.Spec.Password?.Value,
        TtlSecurity = p.Spec.TtlSecurity,
        SourceAddress = IPAddress.TryParse(p.Spec.SourceAddress, out var src) ? src : null,
        MaxPrefixes = p.Spec.MaxPrefixes,
        KeepOriginalNextHop = p.Spec.KeepOriginalNextHop ?? false,
        RouteReflectorClient = client,
    };

    /// <summary>"10.0.0.1", "10.0.0.1:1790", "[fd00::1]:179", "fd00::1".</summary>
    internal static IPEndPoint? ParseEndpoint(string text)
    {
        // IPAddress.TryParse accepts "[v6]:port" and drops the port, so forms with a port go through IPEndPoint.
        var withPort = text.StartsWith('[') || text.Count(c => c == ':') == 1;
        return withPort
            ? IPEndPoint.TryParse(text, out var ep) ? new IPEndPoint(ep.Address, ep.Port == 0 ? 179 : ep.Port) : null
            : IPAddress.TryParse(text, out var a) ? new IPEndPoint(a, 179) : null;
    }
}
