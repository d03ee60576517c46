namespace L3Net.Lab;

/// <summary>Faults on a dual-tor node's link to one ToR, inside the lab's namespaces: a silent cut, where every frame
/// is lost both ways but the carrier stays up, so only a timer (BFD or the BGP hold timer) notices; and a link down,
/// where the node loses the carrier.</summary>
public static class LinkFaults
{
    /// <summary>The cut is the ToR's bridge port set to <c>disabled</c>: the bridge then drops every frame from and to
    /// the node, and neither veth end sees a change. That is <c>tc netem loss 100%</c> on both ends, which this
    /// kernel does not have (no <c>sch_netem</c>, no tc classifiers); a drop qdisc on the node's end would do it
    /// too, but would hand the node's own sockets ENOBUFS, which a real silent failure never does.</summary>
    public static Task CutAsync(NodeUplink link, CancellationToken ct) => SetPortStateAsync(link, Disabled, ct);

    /// <summary>Undoes <see cref="CutAsync"/>.</summary>
    public static Task HealAsync(NodeUplink link, CancellationToken ct) => SetPortStateAsync(link, Forwarding, ct);

    /// <summary>Sets the node's end of the link down or up again.</summary>
    public static void SetNodeEnd(NodeUplink link, bool up)
        => Netns.Ip(link.NodeNamespace, "link", "set", "dev", link.NodeDevice, up ? "up" : "down");

    private const string Disabled = "0", Forwarding = "3";

    private static async Task SetPortStateAsync(NodeUplink link, string state, CancellationToken ct)
        => (await Exec.InNetnsAsync(link.TorNamespace, "bridge", ["link", "set", "dev", link.TorDevice, "state", state], ct: ct))
            .EnsureOk($"bridge link set dev {link.TorDevice} state {state} in {link.TorNamespace}");
}
