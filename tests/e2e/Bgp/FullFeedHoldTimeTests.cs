using System.Net;
using System.Text;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// A full table must not cost the session: BIRD sends a million routes over a session whose hold time is 3 s on both
/// sides (KEEPALIVE every second), so a reader that stopped reading for 3 s, a KEEPALIVE held behind the table work,
/// or a hold check starved by it ends the session from one side or the other. The session must carry every route and
/// still be the first one when the last arrives.
/// </summary>
public sealed class FullFeedHoldTimeTests
{
    private const int Routes = 1_000_000;

    [Fact]
    public async Task A_million_routes_arrive_over_a_3_second_hold_time_without_a_flap()
    {
        using var fabric = new PeeringFabric();
        var statics = new StringBuilder();
        for (var i = 0; i < Routes; i++)
            statics.Append($"route {20 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}.0/24 blackhole;\n"); // 20/8-35/8: clear of the link's 10.0.0.0/24
        var bird = await BirdPeer.StartAsync(fabric.Tor, BirdConfigs.Base("10.0.0.1", statics.ToString())
            + BirdConfigs.Protocol("l3net", "10.0.0.1", 65001, "10.0.0.2", 65002, "ipv4", "where source = RTS_STATIC",
                protocolExtra: "hold time 3; keepalive time 1;"), TimeSpan.FromMinutes(3));
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65001, HoldTime = TimeSpan.FromSeconds(3), KeepaliveTime = TimeSpan.FromSeconds(1) }]);
        var ct = TestContext.Current.CancellationToken;

        // Counted off the Loc-RIB change stream, the way the node daemon consumes it.
        long learned = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            while (learned < Routes && await speaker.RouteChanges.WaitToReadAsync(deadline.Token))
                while (speaker.RouteChanges.TryRead(out var change))
                    learned += change.NextHops.Count > 0 ? 1 : -1;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Assert.Fail($"{learned} of {Routes} routes after 2 min\n{Peers(speaker)}\n{bird.Protocol("l3net")}");
        }

        var peer = Assert.Single(speaker.Peers);
        Assert.True(peer is { State: BgpState.Established, PrefixesAccepted: Routes } && peer.Counters.Flaps == 0, Peers(speaker));
        var protocol = bird.Protocol("l3net");
        Assert.Contains("Established", protocol);
        Assert.DoesNotContain("Last error", protocol);
    }

    /// <summary>The neighbour's state without the Loc-RIB (a million lines).</summary>
    private static string Peers(BgpSpeaker speaker)
        => string.Join('\n', speaker.Peers.Select(p => $"{p.Address} {p.State} since {p.Since:HH:mm:ss} accepted {p.PrefixesAccepted} flaps {p.Counters.Flaps} last error {p.Counters.LastError} {p.Info}"));
}
