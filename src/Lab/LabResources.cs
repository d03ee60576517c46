using L3Net.Model.Resources;

namespace L3Net.Lab;

/// <summary>
/// The resources the lab applies before any daemon starts: the pod pool, the cluster BGP settings, each Node with
/// its address, AS and labels, and the peerings the topology needs. They are ordinary resources: what the lab does
/// here, a user does with <c>l3netctl apply</c>.
/// </summary>
public static class LabResources
{
    public const string PoolName = "lab-pool";
    public const string ReflectorLabel = "route-reflector";

    public static IReadOnlyList<Resource> For(AddressPlan plan)
    {
        var topology = plan.Options.Topology;
        var resources = new List<Resource>
        {
            new IPPool
            {
                Metadata = { Name = PoolName },
                Spec = { Cidr = AddressPlan.PoolCidr, BlockSize = AddressPlan.BlockSize, NatOutgoing = false },
            },
            new BGPConfiguration
            {
                Metadata = { Name = BGPConfiguration.DefaultName },
                Spec = { AsNumber = AddressPlan.ClusterAs.ToString(), NodeToNodeMeshEnabled = topology == Topology.Mesh },
            },
        };
        foreach (var i in plan.NodeIndexes)
            resources.Add(Node(plan, i));
        if (topology == Topology.Tor)
        {
            // One peering per node, as with one ToR per rack: the node's own AS against the ToR's.
            resources.AddRange(plan.NodeIndexes.Select(i => Peer(plan, $"tor-{AddressPlan.NodeName(i)}", AddressPlan.NodeName(i))));
        }
        else if (topology == Topology.DualTor)
        {
            resources.AddRange(DualTorPeers(plan));
        }
        else
        {
            // Global: every node also tells the ToR its blocks, so the fabric can route to pods from outside.
            resources.Add(Peer(plan, "tor", node: null));
        }
        if (topology == Topology.Rr)
        {
            // Both directions spelled out: every node peers with the reflectors, and the reflectors with every node
            // (the second is implied in Calico, but stating it does not depend on the daemon deriving the reverse).
            resources.Add(new BGPPeer
            {
                Metadata = { Name = "peer-with-route-reflectors" },
                Spec = { NodeSelector = "all()", PeerSelector = $"{ReflectorLabel} == 'true'" },
            });
            resources.Add(new BGPPeer
            {
                Metadata = { Name = "route-reflectors-peer-with-all" },
                Spec = { NodeSelector = $"{ReflectorLabel} == 'true'", PeerSelector = "all()" },
            });
        }
        return resources;
    }

    private static NodeResource Node(AddressPlan plan, int index)
    {
        var node = new NodeResource
        {
            Metadata = { Name = AddressPlan.NodeName(index), Labels = { ["rack"] = $"r{plan.RackOf(index)}" } },
            Spec =
            {
                Bgp = new NodeBgpSpec
                {
                    Ipv4Address = $"{plan.NodeAddressOf(index)}/{AddressPlan.FabricPrefixLength}",
                    AsNumber = plan.Options.Topology is Topology.Tor or Topology.DualTor ? plan.NodeAs(index).ToString() : null,
                },
            },
        };
        if (plan.Options.Topology == Topology.Rr && index == 1)
        {
            node.Metadata.Labels[ReflectorLabel] = "true";
            node.Spec.Bgp.RouteReflectorClusterId = AddressPlan.ClusterId;
        }
        return node;
    }

    private static BGPPeer Peer(AddressPlan plan, string name, string? node) => new()
    {
        Metadata = { Name = name },
        Spec = { PeerIp = AddressPlan.TorAddress, AsNumber = AddressPlan.TorAs.ToString(), Node = node, Bfd = Bfd(plan) },
    };

    /// <summary>Per rack and ToR, one peering for the rack's nodes (selected by their <c>rack</c> label). The node has
    /// two addresses and registers only the one toward ToR A, so <c>sourceAddress: None</c> lets the kernel pick the
    /// address of the link each session leaves by. Hold time 9 s, keepalive 3 s, as the ToRs' BIRD/FRR offer.</summary>
    private static IEnumerable<BGPPeer> DualTorPeers(AddressPlan plan) =>
        from rack in Enumerable.Range(1, AddressPlan.Racks)
        from side in Enum.GetValues<TorSide>()
        select new BGPPeer
        {
            Metadata = { Name = $"rack{rack}-tor-{side.ToString().ToLowerInvariant()}" },
            Spec =
            {
                PeerIp = AddressPlan.SegmentTorAddress(rack, side),
                AsNumber = AddressPlan.RackAs(rack).ToString(),
                NodeSelector = $"rack == 'r{rack}'",
                SourceAddress = "None",
                HoldTime = "9s",
                KeepaliveTime = "3s",
                Bfd = Bfd(plan),
            },
        };

    private static BgpBfdSpec? Bfd(AddressPlan plan) => plan.Options.Bfd
        ? new BgpBfdSpec { Enabled = true, MinRxMs = TorRouter.BfdIntervalMs, MinTxMs = TorRouter.BfdIntervalMs, Multiplier = TorRouter.BfdMultiplier }
        : null;
}
