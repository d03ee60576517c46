using System.Text;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>GoBGP 3 as the interop router: one neighbour per session, its prefixes added through the API.</summary>
public sealed class GoBgpRouter : InteropRouter
{
    private GoBgpPeer? _gobgp;

    public override string Daemon => "gobgpd";
    private GoBgpPeer GoBgp => _gobgp ?? throw new InvalidOperationException("gobgpd not started");

    protected override async Task StartAsync(NetnsHost tor)
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
        _gobgp = await GoBgpPeer.StartAsync(tor, c.ToString());
        _gobgp.Gobgp("global", "rib", "add", InteropSession.RouterPrefixV4, "-a", "ipv4");
        _gobgp.Gobgp("global", "rib", "add", InteropSession.RouterPrefixV6, "-a", "ipv6");
    }

    public override bool HasRoute(string prefix, string nextHop) => GoBgp.Route(prefix).Contains($"\"nexthop\":\"{nextHop}\"");

    /// <summary>gobgp's JSON shows only the global MP_REACH next hop.</summary>
    public override bool? HasLinkLocalNextHop(string prefix) => null;

    public override string Route(string prefix) => GoBgp.Route(prefix);

    public override bool IsEstablished(InteropSession session) => GoBgp.Gobgp("neighbor", session.SpeakerAddress).Contains("BGP state = established");

    public override string Describe() => GoBgp.Gobgp("neighbor") + GoBgp.Rib() + GoBgp.Rib("ipv6");
}
