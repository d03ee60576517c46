using System.Net;
using L3Net.Bfd;
using L3Net.Bgp;
using L3Net.Model.Resources;
using L3Net.Node.Bgp;
using Xunit;

namespace L3Net.Tests.Unit.Node;

/// <summary>Which BGP sessions get a BFD session, with which timers, from which address.</summary>
public sealed class BfdRequestsTests
{
    private static NodeResource N(string name, string ip, string? ip6 = null) => new()
    {
        Metadata = { Name = name },
        Spec = { Bgp = new NodeBgpSpec { Ipv4Address = ip + "/24", Ipv6Address = ip6 is null ? null : ip6 + "/64" } },
    };

    private static BGPPeer Tor(string name, string ip, BgpBfdSpec? bfd, string? source = null) => new()
    {
        Metadata = { Name = name },
        Spec = { PeerIp = ip, AsNumber = "65001", Bfd = bfd, SourceAddress = source },
    };

    [Fact]
    public void A_peer_with_bfd_enabled_gets_its_timers_and_the_defaults_for_the_rest()
    {
        var self = N("a", "10.0.1.2");
        var peers = PeerCalculator.Calculate(new BgpInputs(self, [self], null,
            [Tor("t1", "10.0.1.1", new BgpBfdSpec { Enabled = true, MinRxMs = 100 }), Tor("t2", "10.0.1.3", new BgpBfdSpec { Enabled = false, MinRxMs = 100 }), Tor("t3", "10.0.1.4", null)]));
        Assert.Equal(new BfdRequest(100, 300, 3), peers.Single(p => p.Address.ToString() == "10.0.1.1").Bfd);
        Assert.Null(peers.Single(p => p.Address.ToString() == "10.0.1.3").Bfd);
        Assert.Null(peers.Single(p => p.Address.ToString() == "10.0.1.4").Bfd);
        Assert.Equal([new BfdPeer(IPAddress.Parse("10.0.1.1"), IPAddress.Parse("10.0.1.2"), new BfdTimers(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), 3))],
            BfdRequests.Sessions(peers, IPAddress.Parse("10.0.1.2"), null));
    }

    [Fact]
    public void Mesh_sessions_take_BGPConfiguration_bfd_and_each_family_its_own_address()
    {
        var a = N("a", "10.0.1.2", "fd00::2");
        var b = N("b", "10.0.1.3", "fd00::3");
        var config = new BGPConfiguration { Metadata = { Name = "default" }, Spec = { Bfd = new BgpBfdSpec { Enabled = true, Multiplier = 5 } } };
        var peers = PeerCalculator.Calculate(new BgpInputs(a, [a, b], config, []));
        Assert.All(peers, p => Assert.Equal(new BfdRequest(300, 300, 5), p.Bfd));
        var sessions = BfdRequests.Sessions(peers, IPAddress.Parse("10.0.1.2"), IPAddress.Parse("fd00::2"));
        Assert.Equal(["10.0.1.3 from 10.0.1.2", "fd00::3 from fd00::2"], sessions.Select(s => $"{s.Peer} from {s.Local}").Order());
    }

    [Fact]
    public void A_BFD_timer_change_is_not_a_BGP_configuration_change()
    {
        var self = N("a", "10.0.1.2");
        PeerConfig Calc(int rx) => PeerCalculator.Calculate(new BgpInputs(self, [self], null, [Tor("t1", "10.0.1.1", new BgpBfdSpec { Enabled = true, MinRxMs = rx })])).Single();
        Assert.Equal(Calc(100), Calc(200)); // the speaker would restart the session on a difference
    }
}
