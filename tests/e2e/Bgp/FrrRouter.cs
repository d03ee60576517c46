using System.Text;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>FRR 8.4 bgpd as the interop router: one neighbour per session, activated in its family only.</summary>
public sealed class FrrRouter() : InteropRouter<FrrPeer>("bgpd")
{
    protected override Task<FrrPeer> LaunchAsync(NetnsHost tor)
    {
        var c = new StringBuilder($"""
            frr defaults datacenter
            hostname tor
            router bgp {InteropSession.RouterAs}
             bgp router-id {PeeringFabric.TorV4}
             no bgp ebgp-requires-policy
             no bgp default ipv4-unicast
             no bgp network import-check

            """);
        foreach (var s in InteropSession.All)
        {
            c.AppendLine($" neighbor {s.SpeakerAddress} remote-as {s.SpeakerAs}");
            c.AppendLine($" neighbor {s.SpeakerAddress} timers 3 9");
            c.AppendLine($" neighbor {s.SpeakerAddress} timers connect 1");
            if (s.Password is not null)
                c.AppendLine($" neighbor {s.SpeakerAddress} password {s.Password}");
        }
        foreach (var v6 in new[] { false, true })
        {
            c.AppendLine($" address-family {(v6 ? "ipv6" : "ipv4")} unicast");
            c.AppendLine($"  network {(v6 ? InteropSession.RouterPrefixV6 : InteropSession.RouterPrefixV4)}");
            foreach (var s in InteropSession.All.Where(s => s.V6 == v6))
                c.AppendLine($"  neighbor {s.SpeakerAddress} activate");
            c.AppendLine(" exit-address-family");
        }
        return FrrPeer.StartAsync(tor, c.ToString());
    }

    public override bool HasRoute(string prefix, string nextHop) => Peer.Route(prefix).Contains($"\"ip\":\"{nextHop}\"");

    public override bool? HasLinkLocalNextHop(string prefix) => Peer.Route(prefix).Contains("\"scope\":\"link-local\"");

    public override string Route(string prefix) => Peer.Route(prefix);

    public override bool IsEstablished(InteropSession session) => Peer.IsEstablished(session.SpeakerAddress);

    public override string Describe() => Peer.Describe();
}
