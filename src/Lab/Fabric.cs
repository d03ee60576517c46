namespace L3Net.Lab;

/// <summary>
/// Builds the lab's wiring (see <see cref="AddressPlan"/>): the ToR namespace with a bridge holding the fabric
/// address, and per node a namespace whose <c>eth0</c> is plugged into that bridge; or, in dual-tor, the spine, four
/// ToRs each with its own node segment and an uplink to the spine, and per node two links, one to each ToR of its
/// rack. Pods come later, one namespace each, wired by the CNI plugin.
/// </summary>
public static class Fabric
{
    public static void Build(AddressPlan plan)
    {
        if (plan.Options.Topology == Topology.DualTor)
        {
            BuildDualTor(plan);
            return;
        }
        var tor = plan.TorNamespace;
        Segment(tor, $"{AddressPlan.TorAddress}/{AddressPlan.FabricPrefixLength}");
        foreach (var i in plan.NodeIndexes)
        {
            var node = AddressPlan.NodeName(i);
            var ns = plan.Namespace(node);
            // Felix owns forwarding and proxy ARP on the cali* side; the lab only makes the node a router at all.
            Netns.Create(ns, forwarding: true);
            Plug(ns, "eth0", AddressPlan.NodeAddress(i), tor, node);
            // A server's gateway is its ToR. Proxy ARP for the pods' 169.254.1.1 also needs it: the kernel answers
            // for an address only when it has a route to it through another interface.
            Netns.Ip(ns, "route", "add", "default", "via", AddressPlan.TorAddress);
        }
    }

    private static void BuildDualTor(AddressPlan plan)
    {
        var spine = plan.CoreRouter.Namespace;
        Netns.Create(spine, forwarding: true);
        for (var rack = 1; rack <= AddressPlan.Racks; rack++)
        foreach (var side in Enum.GetValues<TorSide>())
        {
            var tor = plan.Namespace(AddressPlan.TorName(rack, side));
            Segment(tor, $"{AddressPlan.SegmentTorAddress(rack, side)}/{AddressPlan.FabricPrefixLength}");
            var link = AddressPlan.SpineLink(rack, side);
            Netns.Veth(spine, link.SpineDevice, tor, "uplink");
            Netns.Ip(spine, "addr", "add", $"{link.Spine}/{AddressPlan.FabricPrefixLength}", "dev", link.SpineDevice);
            Netns.Ip(tor, "addr", "add", $"{link.Tor}/{AddressPlan.FabricPrefixLength}", "dev", "uplink");
        }
        foreach (var i in plan.NodeIndexes)
        {
            var ns = plan.Namespace(AddressPlan.NodeName(i));
            Netns.Create(ns, forwarding: true);
            var (a, b) = (plan.Uplink(i, TorSide.A), plan.Uplink(i, TorSide.B));
            foreach (var link in new[] { a, b })
                Plug(ns, link.NodeDevice, link.NodeAddress, link.TorNamespace, link.TorDevice);
            // A dual-homed server's gateway is both its ToRs.
            Netns.Ip(ns, "route", "add", "default", "nexthop", "via", a.TorAddress, "dev", a.NodeDevice,
                "nexthop", "via", b.TorAddress, "dev", b.NodeDevice);
        }
    }

    /// <summary>A router namespace with a bridge (the segment its hosts are plugged into) holding its address.</summary>
    private static void Segment(string ns, string addressCidr)
    {
        Netns.Create(ns, forwarding: true);
        Netns.Ip(ns, "link", "add", AddressPlan.FabricBridge, "type", "bridge");
        Netns.Ip(ns, "addr", "add", addressCidr, "dev", AddressPlan.FabricBridge);
        Netns.Ip(ns, "link", "set", AddressPlan.FabricBridge, "up");
    }

    /// <summary>A host's <paramref name="device"/>, addressed, plugged into the router's bridge as port <paramref name="port"/>.</summary>
    private static void Plug(string ns, string device, string address, string routerNs, string port)
    {
        Netns.Veth(ns, device, routerNs, port);
        Netns.Ip(routerNs, "link", "set", port, "master", AddressPlan.FabricBridge);
        Netns.Ip(ns, "addr", "add", $"{address}/{AddressPlan.FabricPrefixLength}", "dev", device);
    }
}
