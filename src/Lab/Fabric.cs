namespace L3Net.Lab;

/// <summary>
/// Builds the lab's wiring (see <see cref="AddressPlan"/>): the ToR namespace with a bridge holding the fabric
/// address, and per node a namespace whose <c>eth0</c> is plugged into that bridge. Pods come later, one namespace
/// each, wired by the CNI plugin.
/// </summary>
public static class Fabric
{
    public static void Build(AddressPlan plan)
    {
        var tor = plan.TorNamespace;
        Netns.Create(tor, forwarding: true);
        Netns.Ip(tor, "link", "add", AddressPlan.FabricBridge, "type", "bridge");
        Netns.Ip(tor, "addr", "add", $"{AddressPlan.TorAddress}/{AddressPlan.FabricPrefixLength}", "dev", AddressPlan.FabricBridge);
        Netns.Ip(tor, "link", "set", AddressPlan.FabricBridge, "up");
        foreach (var i in plan.NodeIndexes)
        {
            var node = AddressPlan.NodeName(i);
            var ns = plan.Namespace(node);
            // Felix owns forwarding and proxy ARP on the cali* side; the lab only makes the node a router at all.
            Netns.Create(ns, forwarding: true);
            Netns.Veth(ns, "eth0", tor, node);
            Netns.Ip(tor, "link", "set", node, "master", AddressPlan.FabricBridge);
            Netns.Ip(ns, "addr", "add", $"{AddressPlan.NodeAddress(i)}/{AddressPlan.FabricPrefixLength}", "dev", "eth0");
            // A server's gateway is its ToR. Proxy ARP for the pods' 169.254.1.1 also needs it: the kernel answers
            // for an address only when it has a route to it through another interface.
            Netns.Ip(ns, "route", "add", "default", "via", AddressPlan.TorAddress);
        }
    }
}
