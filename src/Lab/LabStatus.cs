using L3Net.Model.Status;

namespace L3Net.Lab;

/// <summary>One node as the lab reports it: its daemon's own status report, or why there is none.</summary>
public sealed record NodeView(LabNode Node, NodeStatusReport? Report, string? Error, int ExpectedPeers)
{
    public bool Converged => Report is { } r && r.Peers.Count >= ExpectedPeers
        && r.Peers.All(p => p.State.Equals("Established", StringComparison.OrdinalIgnoreCase));
}

/// <summary>What a network engineer wants to see of the lab: both ends of every BGP session, the ToR's routing
/// table (its BGP table and its kernel table), and the pods.</summary>
public sealed record LabStatus(
    LabState State,
    IReadOnlyList<NodeView> Nodes,
    IReadOnlyList<TorSession> TorSessions,
    string? TorError,
    string TorBgpTable,
    IReadOnlyList<string> TorKernelRoutes)
{
    /// <summary>Every node sees all its peers Established and so does the ToR.</summary>
    public bool Converged => Nodes.All(n => n.Converged) && TorError is null
        && TorSessions.Count == State.Nodes.Count && TorSessions.All(s => s.Established);

    /// <summary>The ToR kernel routes into the pod pool: the blocks (and borrowed /32s) it learned from the nodes.</summary>
    public IEnumerable<string> TorPodRoutes => TorKernelRoutes.Where(AddressPlan.IsPodRoute);
}
