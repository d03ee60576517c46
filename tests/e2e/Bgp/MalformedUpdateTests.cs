using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Wire;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>RFC 7606 on a live session: a malformed attribute withdraws the UPDATE's routes and keeps the session; an
/// unrecognized well-known attribute ends it with NOTIFICATION 3/2, and so does an UPDATE whose NLRI cannot be
/// located; the strongest outcome of the whole UPDATE wins, not the first error met.</summary>
public sealed class MalformedUpdateTests
{
    private static byte[] Update(byte[] attributes, byte[] nlri) => RawPeer.Update([], attributes, nlri);

    // ORIGIN IGP, AS_PATH [65001], NEXT_HOP 10.0.0.1
    private static readonly byte[] Good = [0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9, 0x40, 3, 4, 10, 0, 0, 1];

    [Fact]
    public async Task Treat_as_withdraw_keeps_the_session_and_a_bad_well_known_attribute_resets_it()
    {
        using var fabric = new PeeringFabric();
        using var raw = new RawPeer(fabric.Tor, "10.0.0.1");
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65001 }]);
        await raw.HandshakeAsync(65001, "10.0.0.1");
        await speaker.WaitEstablishedAsync();

        raw.Send(Update(Good, [24, 192, 168, 1]));
        await speaker.WaitRouteAsync("192.168.1.0/24", "10.0.0.1");
        // Same prefix again, now with ORIGIN 7: the route is withdrawn, the session stays up.
        raw.Send(Update([0x40, 1, 1, 7, .. Good[4..]], [24, 192, 168, 1]));
        await Eventually.AssertAsync(() => !speaker.HasRoute("192.168.1.0/24"), TimeSpan.FromSeconds(5), "treat-as-withdraw", speaker.Describe);
        raw.Send(Update(Good, [24, 192, 168, 2]));
        await speaker.WaitRouteAsync("192.168.2.0/24", "10.0.0.1");
        Assert.Equal(BgpState.Established, speaker.Peers.Single().State);

        raw.Send(Update([.. Good, 0x40, 99, 0], [24, 192, 168, 3]));
        var notification = raw.ReceiveNotification();
        Assert.NotNull(notification);
        Assert.Equal((BgpError.UpdateMessage, BgpSubcode.UnrecognizedWellKnownAttribute), (notification.Code, notification.Subcode));
        await Eventually.AssertAsync(() => !speaker.HasRoute("192.168.2.0/24"), TimeSpan.FromSeconds(5), "routes gone with the session", speaker.Describe);
    }

    [Theory]
    // A malformed ORIGIN (treat-as-withdraw) before an unrecognized well-known attribute (session reset).
    [InlineData(new byte[] { 0x40, 1, 1, 7, 0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9, 0x40, 3, 4, 10, 0, 0, 1, 0x40, 99, 0 }, BgpSubcode.UnrecognizedWellKnownAttribute)]
    // An attribute overrunning the attribute field before any MP_REACH_NLRI: the NLRI cannot be located.
    [InlineData(new byte[] { 0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9, 0x40, 3, 4, 10, 0, 0, 1, 0xC0, 8, 40, 0 }, BgpSubcode.MalformedAttributeList)]
    public async Task The_strongest_error_of_an_UPDATE_resets_the_session(byte[] attributes, byte subcode)
    {
        using var fabric = new PeeringFabric();
        using var raw = new RawPeer(fabric.Tor, "10.0.0.1");
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [new PeerConfig { Address = IPAddress.Parse("10.0.0.1"), RemoteAs = 65001 }]);
        await raw.HandshakeAsync(65001, "10.0.0.1");
        await speaker.WaitEstablishedAsync();
        raw.Send(Update(Good, [24, 192, 168, 2]));
        await speaker.WaitRouteAsync("192.168.2.0/24", "10.0.0.1");

        raw.Send(Update(attributes, [24, 192, 168, 3]));
        var notification = raw.ReceiveNotification();
        Assert.NotNull(notification);
        Assert.Equal((BgpError.UpdateMessage, subcode), (notification.Code, notification.Subcode));
        await Eventually.AssertAsync(() => !speaker.HasRoute("192.168.2.0/24"), TimeSpan.FromSeconds(5), "routes gone with the session", speaker.Describe);
    }
}
