using System.Text.RegularExpressions;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>BIRD 2 as the interop router: one BGP protocol per session, named after it.</summary>
public sealed partial class BirdRouter() : InteropRouter<BirdPeer>("bird")
{
    protected override Task<BirdPeer> LaunchAsync(NetnsHost tor)
    {
        var config = BirdConfigs.Base(PeeringFabric.TorV4, $"route {InteropSession.RouterPrefixV4} blackhole;", $"route {InteropSession.RouterPrefixV6} blackhole;")
            + string.Concat(InteropSession.All.Select(s => BirdConfigs.Protocol(s.Id, s.RouterAddress, InteropSession.RouterAs,
                s.SpeakerAddress, s.SpeakerAs, s.Family, $"where net = {s.RouterPrefix}", "next hop self;",
                "direct;" + (s.Password is null ? "" : $" password \"{s.Password}\";"))));
        return BirdPeer.StartAsync(tor, config);
    }

    public override bool HasRoute(string prefix, string nextHop) => Peer.Routes(prefix).Contains($"BGP.next_hop: {nextHop}");

    public override bool? HasLinkLocalNextHop(string prefix) => LinkLocalNextHop().IsMatch(Peer.Routes(prefix));

    public override string Route(string prefix) => Peer.Routes(prefix);

    public override bool IsEstablished(InteropSession session) => Peer.IsEstablished(session.Id);

    public override string Describe() => Peer.Routes() + "\n" + Peer.Birdc("show", "protocols");

    [GeneratedRegex(@"BGP\.next_hop: \S+ fe80:")]
    private static partial Regex LinkLocalNextHop();
}
