using System.Text;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>GoBGP 3 as the interop router: one neighbour per session, its prefixes added through the API.</summary>
public sealed class GoBgpRouter() : InteropRouter<GoBgpPeer>("gobgpd")
{
    protected override async Task<GoBgpPeer> LaunchAsync(NetnsHost tor)
    {
        var c = new StringBuilder($"""
            [global.config]
              as = {InteropSession.RouterAs}
              router-id = "{PeeringFabric.TorV4}"

            """);
        foreach (var s in InteropSession.All)
            c.Append($"""
                [[neighbors]]
                  [neighbors.config]
                    neighbor-address = "{s.SpeakerAddress}"
                    peer-as = {s.SpeakerAs}
                    {(s.Password is null ? "" : $"auth-password = \"{s.Password}\"")}
                  [neighbors.timers.config]
                    connect-retry = 1
                    hold-time = 9
                    keepalive-interval = 3
                  [[neighbors.afi-safis]]
                    [neighbors.afi-safis.config]
                      afi-safi-name = "{s.Family}-unicast"

                """);
        var gobgp = await GoBgpPeer.StartAsync(tor, c.ToString());
        gobgp.Gobgp("global", "rib", "add", InteropSession.RouterPrefixV4, "-a", "ipv4");
        gobgp.Gobgp("global", "rib", "add", InteropSession.RouterPrefixV6, "-a", "ipv6");
        return gobgp;
    }

    public override bool HasRoute(string prefix, string nextHop) => Peer.Route(prefix).Contains($"\"nexthop\":\"{nextHop}\"");

    /// <summary>gobgp's JSON shows only the global MP_REACH next hop.</summary>
    public override bool? HasLinkLocalNextHop(string prefix) => null;

    public override string Route(string prefix) => Peer.Route(prefix);

    public override bool IsEstablished(InteropSession session) => Peer.Gobgp("neighbor", session.SpeakerAddress).Contains("BGP state = established");

    public override string Describe() => Peer.Gobgp("neighbor") + Peer.Rib() + Peer.Rib("ipv6");
}
