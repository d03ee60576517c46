using System.Net;
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
    /// <summary>Every node sees all its peers Established, so does every router, and the core router routes every pod. Sessions up
    /// is not yet reachable: a block is advertised only after its first pod's ADD, and the plugin takes milliseconds.</summary>
    public bool Converged => Nodes.All(n => n.Converged) && TorError is null
        && TorSessions.Count == State.Plan.Routers.Sum(r => r.Neighbors.Count) && TorSessions.All(s => s.Established)
        && State.Pods.All(p => TorPodRoutes.Any(r => Covers(r, p.Address)));

    /// <summary>The ToR kernel routes into the pod pool: the blocks (and borrowed /32s) it learned from the nodes.</summary>
    public IEnumerable<string> TorPodRoutes => TorKernelRoutes.Where(AddressPlan.IsPodRoute);

    /// <summary>Whether a route line (<c>10.244.1.0/26 via …</c>, or <c>10.244.1.5 via …</c> for a /32) covers an address.</summary>
    private static bool Covers(string routeLine, string address)
    {
        var destination = routeLine.Split(' ')[0];
        return IPNetwork.TryParse(destination.Contains('/') ? destination : destination + "/32", out var network)
               && IPAddress.TryParse(address, out var pod) && network.Contains(pod);
    }
}
