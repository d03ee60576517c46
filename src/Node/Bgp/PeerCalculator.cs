using System.Net;
using System.Net.Sockets;
using L3Net.Bgp;
using L3Net.Model.Resources;
using L3Net.Model.Selectors;

namespace L3Net.Node.Bgp;

/// <summary>The cluster's BGP configuration as one node sees it.</summary>
public sealed record BgpInputs(
    NodeResource Self,
    IReadOnlyCollection<NodeResource> Nodes,
    BGPConfiguration? Config,
    IReadOnlyCollection<BGPPeer> Peers)
{
    /// <summary>Each node's BGP listen port by name; a node not listed listens on 179.</summary>
    public IReadOnlyDictionary<string, int> ListenPorts { get; init; } = new Dictionary<string, int>();

    public int ListenPortOf(NodeResource node) => ListenPorts.GetValueOrDefault(node.Metadata.Name, BGPConfiguration.DefaultListenPort);

    /// <summary>The BGPFilters BGPPeer <c>filters</c> may name.</summary>
    public IReadOnlyCollection<BGPFilter> Filters { get; init; } = [];
}

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
/// <para>Dual stack, as Calico runs BIRD: one session per address family, since a session carries the family of its
/// transport. Mesh and <c>peerSelector</c> peers get an IPv4 session, and an IPv6 one as well when both nodes have an
/// <c>ipv6Address</c>; a <c>peerIP</c> applies when this node has an address of its family (else it is skipped with a
/// warning: the session could never come up).</para>
/// </summary>
public static class PeerCalculator
{
    public const string Mesh = "node-to-node mesh";
    public const string Global = "global";
    public const string NodeSpecific = "node specific";

    public static uint LocalAs(NodeResource node, BGPConfiguration? config)
        => Asn.TryParse(node.Spec.Bgp?.AsNumber, out var a) ? a : Asn.TryParse(config?.Spec.AsNumber, out var c) ? c : Asn.Default;

    /// <summary>The node's IPv4 address (its router ID and IPv4 peering address), or null.</summary>
    public static IPAddress? Address(NodeResource node) => Parse(node.Spec.Bgp?.Ipv4Address);

    /// <summary>The node's IPv6 peering address, or null on an IPv4-only node.</summary>
    public static IPAddress? Address6(NodeResource node) => Parse(node.Spec.Bgp?.Ipv6Address);

    private static IPAddress? Parse(string? cidr) => cidr is not null && IPAddress.TryParse(cidr.Split('/')[0], out var a) ? a : null;

    /// <summary>The addresses of <paramref name="node"/> this node can hold a session with: one per family both have.</summary>
    private static IEnumerable<IPAddress> SessionAddresses(NodeResource self, NodeResource node)
    {
        if (Address(self) is not null && Address(node) is { } v4)
            yield return v4;
        if (Address6(self) is not null && Address6(node) is { } v6)
            yield return v6;
    }

    /// <summary>This node's own address of <paramref name="address"/>'s family.</summary>
    private static IPAddress? OwnAddress(NodeResource self, IPAddress address)
        => address.AddressFamily == AddressFamily.InterNetwork ? Address(self) : Address6(self);

    /// <param name="passwords">Resolves <c>spec.password</c> (a Secret on the Kubernetes datastore); inline values only when null.</param>
    public static IReadOnlyList<PeerConfig> Calculate(BgpInputs inputs, Action<string>? warn = null, IPeerPasswords? passwords = null)
    {
        var self = inputs.Self;
        var peers = new Dictionary<IPAddress, PeerConfig>();
        var others = inputs.Nodes.Where(n => n.Metadata.Name != self.Metadata.Name && SessionAddresses(self, n).Any()).ToList();

        foreach (var bgpPeer in inputs.Peers.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var s = bgpPeer.Spec;
            if (!AppliesTo(s, self))
                continue;
            string? password = null;
            if (s.Password is { } secret && !(passwords ?? InlinePasswords.Instance).TryResolve(secret, out password, out var missing))
            {
                warn?.Invoke($"BGPPeer {bgpPeer.Metadata.Name}: {missing}; its sessions are not started without their MD5 key");
                continue;
            }
            var type = s.Node is null && string.IsNullOrWhiteSpace(s.NodeSelector) ? Global : NodeSpecific;
            var (import, export) = PeerFilters.For(bgpPeer, inputs.Filters, warn);
            if (!string.IsNullOrWhiteSpace(s.PeerSelector))
            {
                var selector = LabelSelector.Parse(s.PeerSelector);
                foreach (var n in others.Where(n => selector.Matches(n.Metadata.Labels)))
                foreach (var address in SessionAddresses(self, n))
                {
                    peers[address] = Build(bgpPeer, self, password, address, inputs.ListenPortOf(n), LocalAs(n, inputs.Config), type,
                        IsReflector(self) && !SameCluster(self, n)) with { ImportFilter = import, ExportFilter = export };
                }
            }
            else if (s.PeerIp is { } ip && ParseEndpoint(ip) is { } ep)
            {
                if (!Asn.TryParse(s.AsNumber, out var asn))
                {
                    warn?.Invoke($"BGPPeer {bgpPeer.Metadata.Name}: no valid asNumber, ignored");
                    continue;
                }
                if (OwnAddress(self, ep.Address) is null)
                {
                    var family = ep.Address.AddressFamily == AddressFamily.InterNetwork ? "ipv4Address" : "ipv6Address";
                    warn?.Invoke($"BGPPeer {bgpPeer.Metadata.Name}: peerIP {ip} needs this node's {family}, which is not set; ignored");
                    continue;
                }
                // As Calico: a peerIP without a port that is one of our nodes gets that node's listen port.
                var port = ep.Port;
                if (!HasPort(ip) && inputs.Nodes.FirstOrDefault(n => SessionAddressesOf(n).Contains(ep.Address)) is { } node)
                    port = inputs.ListenPortOf(node);
                peers[ep.Address] = Build(bgpPeer, self, password, ep.Address, port, asn, type, false) with { ImportFilter = import, ExportFilter = export };
            }
        }

        if (inputs.Config?.Spec.NodeToNodeMeshEnabled ?? true)
        {
            var reflectors = others.Where(IsReflector).ToList();
            var meshWith = IsReflector(self) || reflectors.Count == 0 ? others : reflectors;
            foreach (var n in meshWith)
            foreach (var address in SessionAddresses(self, n))
            {
                if (peers.ContainsKey(address))
                    continue;
                // From the node's own address of the family, as Calico's BIRD mesh does: the other node accepts the
                // session only from the address this node registered, and a host often has several IPv6 addresses.
                peers[address] = new PeerConfig
                {
                    Address = address,
                    Port = inputs.ListenPortOf(n),
                    SourceAddress = OwnAddress(self, address),
                    RemoteAs = LocalAs(n, inputs.Config),
                    PeerType = Mesh,
                    RouteReflectorClient = IsReflector(self) && !IsReflector(n),
                    Bfd = BfdRequests.From(inputs.Config?.Spec.Bfd),
                };
            }
        }
        foreach (var own in new[] { Address(self), Address6(self) }.OfType<IPAddress>())
            peers.Remove(own);
        return [.. peers.Values.OrderBy(p => p.Address.ToString(), StringComparer.Ordinal)];
    }

    private static bool AppliesTo(BGPPeerSpec s, NodeResource self)
        => s.Node is { Length: > 0 } node ? node == self.Metadata.Name
         : string.IsNullOrWhiteSpace(s.NodeSelector) || LabelSelector.Parse(s.NodeSelector).Matches(self.Metadata.Labels);

    private static bool IsReflector(NodeResource n) => !string.IsNullOrWhiteSpace(n.Spec.Bgp?.RouteReflectorClusterId);

    private static bool SameCluster(NodeResource a, NodeResource b) => IsReflector(b) && a.Spec.Bgp?.RouteReflectorClusterId == b.Spec.Bgp?.RouteReflectorClusterId;

    private static PeerConfig Build(BGPPeer p, NodeResource self, string? password, IPAddress address, int port, uint asn, string type, bool client) => new()
    {
        Address = address,
        Port = port,
        RemoteAs = asn,
        PeerType = type,
        Password = password,
        TtlSecurity = p.Spec.TtlSecurity,
        // Calico's sourceAddress: UseNodeIP (the default) sends from the node's address of the family, None lets the
        // kernel choose.
        SourceAddress = p.Spec.SourceAddress == "None" ? null : OwnAddress(self, address),
        MaxPrefixes = p.Spec.MaxPrefixes,
        MaxPrefixesAction = Enum.TryParse<PrefixLimitAction>(p.Spec.MaxPrefixesAction, out var action) ? action : PrefixLimitAction.Restart,
        MaxPrefixesRestartTime = GoDuration.Of(p.Spec.MaxPrefixesRestartTime),
        KeepOriginalNextHop = p.Spec.KeepOriginalNextHop ?? false,
        RouteReflectorClient = client,
        HoldTime = GoDuration.Of(p.Spec.HoldTime),
        KeepaliveTime = GoDuration.Of(p.Spec.KeepaliveTime),
        GracefulRestartTime = GoDuration.Of(p.Spec.MaxRestartTime),
        Bfd = BfdRequests.From(p.Spec.Bfd),
    };

    private static IEnumerable<IPAddress> SessionAddressesOf(NodeResource n) => new[] { Address(n), Address6(n) }.OfType<IPAddress>();

    private static bool HasPort(string text) => text.StartsWith('[') || text.Count(c => c == ':') == 1;

    /// <summary>"10.0.0.1", "10.0.0.1:1790", "[fd00::1]:179", "fd00::1".</summary>
    internal static IPEndPoint? ParseEndpoint(string text)
    {
        // IPAddress.TryParse accepts "[v6]:port" and drops the port, so forms with a port go through IPEndPoint.
        return HasPort(text)
            ? IPEndPoint.TryParse(text, out var ep) ? new IPEndPoint(ep.Address, ep.Port == 0 ? 179 : ep.Port) : null
            : IPAddress.TryParse(text, out var a) ? new IPEndPoint(a, 179) : null;
    }
}
