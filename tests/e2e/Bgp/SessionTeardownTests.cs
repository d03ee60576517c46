using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Wire;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Whatever ends a session, its teardown runs: here the writer fails with something other than an I/O error
/// (a reflected route too big for a 4096-byte UPDATE once ORIGINATOR_ID, CLUSTER_LIST and LOCAL_PREF are added), and
/// the session must still send its NOTIFICATION, leave the peer's session list and let the peer connect again.</summary>
public sealed class SessionTeardownTests
{
    private const string Client = "10.0.0.1", Victim = "10.0.0.10";

    [Fact] // before the fix the stuck session also hung the speaker's dispose (the runner's hang timeout catches that)
    public async Task A_writer_that_fails_with_a_non_IO_error_still_closes_the_session_and_the_peer_reconnects()
    {
        using var fabric = new PeeringFabric();
        fabric.Tor.Ip("addr", "add", $"{Victim}/24", "dev", "node");
        using var client = new RawPeer(fabric.Tor, Client);
        using var victim = new RawPeer(fabric.Tor, Victim);
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [
                // A non-client: its routes are reflected to clients only, so only the victim's export has to encode them.
                new PeerConfig { Address = IPAddress.Parse(Client), RemoteAs = 65002 },
                new PeerConfig { Address = IPAddress.Parse(Victim), RemoteAs = 65002, RouteReflectorClient = true },
            ],
            tweak: o => o with { ClusterId = IPAddress.Parse("10.0.0.2") });
        await client.HandshakeAsync(65002, Client);
        await victim.HandshakeAsync(65002, Victim);
        await speaker.WaitEstablishedAsync(2);

        // A whole 4096-byte UPDATE: what the reflector adds no longer fits, so encoding it for the victim throws.
        client.Send(MaximumUpdate([24, 192, 168, 7]));
        await speaker.WaitRouteAsync("192.168.7.0/24", Client);
        var notification = victim.ReceiveNotification();
        Assert.NotNull(notification);
        Assert.Equal(BgpError.Cease, notification.Code);

        // With the route gone the victim's next session has nothing it cannot encode: it must come up again.
        client.Send(Withdraw([24, 192, 168, 7]));
        await Eventually.AssertAsync(() => !speaker.HasRoute("192.168.7.0/24"), TimeSpan.FromSeconds(5), "route withdrawn", speaker.Describe);
        client.Send(MessageFrame.Keepalive());
        await victim.HandshakeAsync(65002, Victim);
        await Eventually.AssertAsync(() => speaker.Peers.Single(p => p.Address.Equals(IPAddress.Parse(Victim))).State == BgpState.Established,
            TimeSpan.FromSeconds(15), "the victim re-established", speaker.Describe);
    }

    /// <summary>ORIGIN, empty AS_PATH, NEXT_HOP and an unknown optional transitive attribute that fills the message.</summary>
    private static byte[] MaximumUpdate(byte[] nlri)
    {
        byte[] mandatory = [0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 10, 0, 0, 1];
        var fill = MessageFrame.MaxLength - 23 - nlri.Length - mandatory.Length - 4;
        byte[] filler = [0xD0, 240, (byte)(fill >> 8), (byte)fill, .. new byte[fill]];
        return RawPeer.Update([], [.. mandatory, .. filler], nlri);
    }

    private static byte[] Withdraw(byte[] prefix) => RawPeer.Update(prefix, [], []);

}
