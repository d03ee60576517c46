namespace L3Net.Lab;

/// <summary>Faults on a dual-tor node's link to one ToR, inside the lab's namespaces: a silent cut (<c>tc netem</c>
/// dropping every packet at both ends, so the carrier stays up and only a timer notices) and a link down (carrier
/// lost on the node's end).</summary>
public static class LinkFaults
{
    /// <summary>Drops every packet leaving either end of the link.</summary>
    public static async Task CutAsync(NodeUplink link, CancellationToken ct)
    {
        foreach (var (ns, device) in Ends(link))
            (await Exec.InNetnsAsync(ns, "tc", ["qdisc", "add", "dev", device, "root", "netem", "loss", "100%"], ct: ct))
                .EnsureOk($"tc netem loss on {device} in {ns}");
    }

    /// <summary>Undoes <see cref="CutAsync"/>.</summary>
    public static async Task HealAsync(NodeUplink link, CancellationToken ct)
    {
        foreach (var (ns, device) in Ends(link))
            (await Exec.InNetnsAsync(ns, "tc", ["qdisc", "del", "dev", device, "root"], ct: ct))
                .EnsureOk($"tc qdisc del on {device} in {ns}");
    }

    /// <summary>Sets the node's end of the link down or up again.</summary>
    public static void SetNodeEnd(NodeUplink link, bool up)
        => Netns.Ip(link.NodeNamespace, "link", "set", "dev", link.NodeDevice, up ? "up" : "down");

    private static (string Namespace, string Device)[] Ends(NodeUplink link)
        => [(link.NodeNamespace, link.NodeDevice), (link.TorNamespace, link.TorDevice)];
}
