using L3Net.Model.Resources;

namespace L3Net.Cli.Output;

/// <summary>The columns <c>get</c> shows per kind, as calicoctl shows them; <c>-o wide</c> adds the rest of the
/// spec that fits on a line.</summary>
public static class ResourceTables
{
    /// <param name="clusterAsNumber">The AS number nodes inherit when they set none (shown in brackets, as calicoctl does).</param>
    /// <param name="withNamespace">Adds a NAMESPACE column (namespaced kinds listed across all namespaces).</param>
    public static TextTable Build(KindInfo kind, IEnumerable<Resource> items, bool wide, string clusterAsNumber,
        bool withNamespace)
    {
        var (headers, row) = Columns(kind, wide, clusterAsNumber);
        var table = new TextTable(withNamespace ? ["NAMESPACE", .. headers] : headers);
        foreach (var r in items)
            table.Add(withNamespace ? [r.Metadata.Namespace ?? "", .. row(r)] : row(r));
        return table;
    }

    private static (string[] Headers, Func<Resource, string[]> Row) Columns(KindInfo kind, bool wide, string clusterAs) =>
        (kind.Kind, wide) switch
        {
            ("IPPool", false) => (["NAME", "CIDR", "SELECTOR"],
                r => Pool(r, p => [Name(p), p.Spec.Cidr, Selector(p.Spec.NodeSelector)])),
            ("IPPool", true) => (["NAME", "CIDR", "BLOCKSIZE", "NAT", "DISABLED", "DISABLEBGPEXPORT", "SELECTOR"],
                r => Pool(r, p => [Name(p), p.Spec.Cidr, BlockSize(p.Spec), Flag(p.Spec.NatOutgoing),
                    Flag(p.Spec.Disabled), Flag(p.Spec.DisableBgpExport), Selector(p.Spec.NodeSelector)])),
            ("IPReservation", _) => (["NAME", "RESERVEDCIDRS"],
                r => Reservation(r, v => [Name(v), Shortened(v.Spec.ReservedCidrs, wide ? int.MaxValue : 3)])),
            ("IPAMConfiguration", _) => (["NAME", "STRICTAFFINITY", "MAXBLOCKSPERHOST"],
                r => IpamConfig(r, c => [Name(c), Flag(c.Spec.StrictAffinity), BlockLimit(c.Spec.MaxBlocksPerHost)])),
            ("BGPPeer", false) => (["NAME", "PEERIP", "NODE", "ASN"],
                r => Peer(r, p => [Name(p), p.Spec.PeerIp ?? PeersBy(p.Spec), PeerNode(p.Spec), p.Spec.AsNumber ?? ""])),
            ("BGPPeer", true) => (["NAME", "PEERIP", "NODE", "ASN", "PEERSELECTOR", "PASSWORD", "TTLSECURITY", "KEEPALIVE"],
                r => Peer(r, p => [Name(p), p.Spec.PeerIp ?? "", PeerNode(p.Spec), p.Spec.AsNumber ?? "",
                    p.Spec.PeerSelector ?? "", p.Spec.Password?.ToString() ?? "", p.Spec.TtlSecurity?.ToString() ?? "",
                    p.Spec.KeepaliveTime ?? ""])),
            ("BGPFilter", false) => (["NAME"], r => [Name(r)]),
            ("BGPFilter", true) => (["NAME", "EXPORTV4", "IMPORTV4", "EXPORTV6", "IMPORTV6"],
                r => Filter(r, f => [Name(f), RuleCount(f.Spec.ExportV4), RuleCount(f.Spec.ImportV4), RuleCount(f.Spec.ExportV6),
                    RuleCount(f.Spec.ImportV6)])),
            ("BGPConfiguration", _) => (wide
                    ? ["NAME", "LOGSEVERITY", "MESHENABLED", "ASNUMBER", "LISTENPORT"]
                    : ["NAME", "LOGSEVERITY", "MESHENABLED", "ASNUMBER"],
                r => Config(r, c => [Name(c), c.Spec.LogSeverity ?? "Info", Flag(c.Spec.NodeToNodeMeshEnabled ?? true),
                    c.Spec.AsNumber ?? Asn.Default.ToString(), .. wide ? [(c.Spec.ListenPort ?? 179).ToString()] : Array.Empty<string>()])),
            ("Node", false) => (["NAME"], r => [Name(r)]),
            ("Node", true) => (["NAME", "ASN", "IPV4", "IPV6", "RRCLUSTERID"],
                r => NodeRow(r, n => [Name(n), n.Spec.Bgp?.AsNumber ?? $"({clusterAs})", n.Spec.Bgp?.Ipv4Address ?? "",
                    n.Spec.Bgp?.Ipv6Address ?? "", n.Spec.Bgp?.RouteReflectorClusterId ?? ""])),
            ("WorkloadEndpoint", false) => (["WORKLOAD", "NODE", "NETWORKS", "INTERFACE"],
                r => Endpoint(r, w => [w.Spec.Pod, w.Spec.Node, string.Join(",", w.Spec.IpNetworks), w.Spec.InterfaceName])),
            ("WorkloadEndpoint", true) => (["NAME", "WORKLOAD", "NODE", "NETWORKS", "INTERFACE", "MAC", "CONTAINER"],
                r => Endpoint(r, w => [Name(w), w.Spec.Pod, w.Spec.Node, string.Join(",", w.Spec.IpNetworks),
                    w.Spec.InterfaceName, w.Spec.Mac ?? "", w.Spec.ContainerId])),
            ("NetworkPolicy", false) => (["NAME", "PODSELECTOR"],
                r => Policy(r, p => [Name(p), PodSelector(p.Spec.PodSelector)])),
            ("NetworkPolicy", true) => (["NAME", "PODSELECTOR", "POLICYTYPES", "INGRESSRULES", "EGRESSRULES"],
                r => Policy(r, p => [Name(p), PodSelector(p.Spec.PodSelector), string.Join(",", p.Spec.PolicyTypes ?? []),
                    (p.Spec.Ingress?.Count ?? 0).ToString(), (p.Spec.Egress?.Count ?? 0).ToString()])),
            _ => (["NAME"], r => [Name(r)]),
        };

    private static string[] Pool(Resource r, Func<IPPool, string[]> f) => f((IPPool)r);
    private static string[] Reservation(Resource r, Func<IPReservation, string[]> f) => f((IPReservation)r);
    private static string[] IpamConfig(Resource r, Func<IPAMConfiguration, string[]> f) => f((IPAMConfiguration)r);
    private static string[] Peer(Resource r, Func<BGPPeer, string[]> f) => f((BGPPeer)r);
    private static string[] Filter(Resource r, Func<BGPFilter, string[]> f) => f((BGPFilter)r);
    private static string[] Config(Resource r, Func<BGPConfiguration, string[]> f) => f((BGPConfiguration)r);
    private static string[] NodeRow(Resource r, Func<NodeResource, string[]> f) => f((NodeResource)r);
    private static string[] Endpoint(Resource r, Func<WorkloadEndpoint, string[]> f) => f((WorkloadEndpoint)r);
    private static string[] Policy(Resource r, Func<NetworkPolicy, string[]> f) => f((NetworkPolicy)r);

    private static string Name(Resource r) => r.Metadata.Name;
    private static string Flag(bool value) => value ? "true" : "false";
    /// <summary>How many rules a BGPFilter list holds, e.g. <c>2 rules</c>.</summary>
    private static string RuleCount(List<BGPFilterRule>? rules) => rules is { Count: > 0 } r ? $"{r.Count} rule{(r.Count == 1 ? "" : "s")}" : "";

    private static string Selector(string? selector) => string.IsNullOrWhiteSpace(selector) ? "all()" : selector;

    /// <summary>The first <paramref name="max"/> entries, then how many more (<c>-o wide</c> shows them all).</summary>
    private static string Shortened(IReadOnlyList<string> items, int max)
        => items.Count <= max ? string.Join(",", items) : $"{string.Join(",", items.Take(max))},... (+{items.Count - max})";

    public static string BlockLimit(int maxBlocksPerHost) => maxBlocksPerHost == 0 ? "0 (no limit)" : maxBlocksPerHost.ToString();

    private static string BlockSize(IPPoolSpec spec) =>
        (spec.BlockSize ?? (spec.Cidr.Contains(':', StringComparison.Ordinal) ? 122 : 26)).ToString();

    /// <summary>A peering with other nodes rather than an address: say which ones.</summary>
    private static string PeersBy(BGPPeerSpec spec) => spec.PeerSelector is { } s ? $"(peers: {s})" : "";

    /// <summary>Which nodes hold the session: one node, the nodes a selector picks, or every node.</summary>
    private static string PeerNode(BGPPeerSpec spec) =>
        spec.Node ?? (string.IsNullOrWhiteSpace(spec.NodeSelector) ? "(global)" : spec.NodeSelector);

    private static string PodSelector(KubeLabelSelector selector)
    {
        var parts = (selector.MatchLabels ?? []).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")
            .Concat((selector.MatchExpressions ?? []).Select(e => e.Values is { Count: > 0 } v
                ? $"{e.Key} {e.Operator.ToLowerInvariant()} ({string.Join(",", v)})"
                : $"{e.Key} {e.Operator}"))
            .ToList();
        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }
}
