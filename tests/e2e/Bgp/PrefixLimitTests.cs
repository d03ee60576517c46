using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// BGPPeer <c>maxPrefixes</c> with its action (an L3Net extension in BIRD's shape, <c>import limit N action
/// warn|restart|disable</c>) against a real BIRD sending three prefixes to a limit of two: Warn keeps the session and
/// the routes; Restart ends it with Cease "Maximum number of prefixes reached" (RFC 4486) and comes back after the
/// restart time; Disable ends it and stays down.
/// </summary>
public sealed class PrefixLimitTests
{
    private const string Routes = "route 192.0.2.0/24 blackhole; route 198.51.100.0/24 blackhole; route 203.0.113.0/24 blackhole;";

    private static async Task<(PeeringFabric Fabric, BirdPeer Bird, BgpSpeaker Speaker)> StartAsync(PrefixLimitAction action, TimeSpan? restart = null)
    {
        var fabric = new PeeringFabric();
        var bird = await BirdPeer.StartAsync(fabric.Tor, BirdConfigs.Base("10.0.0.1", Routes)
            + BirdConfigs.Protocol("l3net", "10.0.0.1", 65001, "10.0.0.2", 65002, "ipv4", "where source = RTS_STATIC"));
        var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65001, MaxPrefixes = 2, MaxPrefixesAction = action, MaxPrefixesRestartTime = restart }]);
        return (fabric, bird, speaker);
    }

    [Fact]
    public async Task Warn_keeps_the_session_and_every_route()
    {
        var (fabric, bird, speaker) = await StartAsync(PrefixLimitAction.Warn);
        using var _ = fabric;
        await using var __ = speaker;
        foreach (var prefix in new[] { "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24" })
            await speaker.WaitRouteAsync(prefix, "10.0.0.1");
        var peer = Assert.Single(speaker.Peers);
        Assert.Equal((BgpState.Established, 0L, 3), (peer.State, peer.Counters.Flaps, peer.PrefixesAccepted));
        Assert.True(bird.IsEstablished("l3net"), bird.Protocol("l3net"));
    }

    [Fact]
    public async Task Restart_sends_the_max_prefix_cease_and_comes_back_after_the_restart_time()
    {
        var (fabric, bird, speaker) = await StartAsync(PrefixLimitAction.Restart, TimeSpan.FromSeconds(2));
        using var _ = fabric;
        await using var __ = speaker;
        await Eventually.AssertAsync(() => bird.Protocol("l3net").Contains("Maximum number of prefixes reached", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "BIRD told of the limit (Cease subcode 1)", () => bird.Protocol("l3net") + "\n" + speaker.Describe());
        // Each session is ended again by the same three prefixes: a second flap shows the neighbour came back.
        await Eventually.AssertAsync(() => speaker.Peers.Single().Counters.Flaps >= 2, TimeSpan.FromSeconds(20),
            "the session re-established after the restart time and was ended again", speaker.Describe);
    }

    [Fact]
    public async Task Disable_ends_the_session_and_keeps_it_down()
    {
        var (fabric, bird, speaker) = await StartAsync(PrefixLimitAction.Disable);
        using var _ = fabric;
        await using var __ = speaker;
        await Eventually.AssertAsync(() => bird.Protocol("l3net").Contains("Maximum number of prefixes reached", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "BIRD told of the limit (Cease subcode 1)", () => bird.Protocol("l3net") + "\n" + speaker.Describe());
        await Eventually.AssertAsync(() => speaker.Peers.Single() is { State: BgpState.Idle } p && p.Info?.Contains("more than 2 prefixes") == true,
            TimeSpan.FromSeconds(5), "the neighbour Idle, saying why", speaker.Describe);
        Assert.Empty(speaker.LocRib);
        Assert.Equal(1L, speaker.Peers.Single().Counters.Flaps);
    }
}
