using System.Net;
using System.Net.Sockets;
using L3Net.Bgp;
using L3Net.Bgp.Wire;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Interop rules of the OPEN exchange and session setup on a live socket, against a hand-driven peer: an
/// unknown capability never refuses the session, a missing family is refused with 2/7 naming the capability, and a
/// TCP MD5 key the kernel will not take keeps the neighbour down instead of serving it unsigned.</summary>
public sealed class OpenNegotiationTests
{
    private static readonly PeerConfig Raw = new() { Address = IPAddress.Parse(PeeringFabric.TorV4), RemoteAs = 65001 };

    [Fact]
    public async Task An_unknown_capability_is_ignored_and_the_session_comes_up()
    {
        using var fabric = new PeeringFabric();
        using var raw = new RawPeer(fabric.Tor, PeeringFabric.TorV4);
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2", [Raw]);

        var ours = await raw.HandshakeAsync(65001, "10.0.0.1", o => o with { Unknown = [new RawCapability(200, new ValueArray<byte>([1, 2, 3]))] });
        await speaker.WaitEstablishedAsync();
        Assert.Equal(65002u, ours.MyAs);
    }

    [Fact]
    public async Task A_peer_s_own_hold_time_keepalive_and_restart_time_go_into_its_session()
    {
        using var fabric = new PeeringFabric();
        using var raw = new RawPeer(fabric.Tor, PeeringFabric.TorV4);
        // The speaker's own defaults (hold 9 s in the fixture, so KEEPALIVE every 3 s; restart time 120 s) are overridden.
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2",
            [Raw with { HoldTime = TimeSpan.FromSeconds(6), KeepaliveTime = TimeSpan.FromSeconds(1), GracefulRestartTime = TimeSpan.FromSeconds(30) }]);

        var ours = await raw.HandshakeAsync(65001, "10.0.0.1");
        Assert.Equal((6, 30), (ours.HoldTime, ours.GracefulRestart?.RestartTime ?? 0));
        await speaker.WaitEstablishedAsync();
        // After the first KEEPALIVE, three more a second apart take about 3 s; at the default third of the hold time
        // (2 s) they would take 6 s. Each one is answered, so our hold timer never runs out meanwhile.
        System.Diagnostics.Stopwatch? clock = null;
        for (var seen = 0; seen < 4;)
            if (raw.Receive().Type == MessageType.Keepalive)
            {
                raw.Send(MessageFrame.Keepalive());
                clock ??= System.Diagnostics.Stopwatch.StartNew();
                seen++;
            }
        Assert.InRange(clock!.Elapsed.TotalSeconds, 2.5, 5);
    }

    [Fact]
    public async Task A_peer_without_our_family_is_refused_with_2_7_naming_the_capability()
    {
        using var fabric = new PeeringFabric();
        using var raw = new RawPeer(fabric.Tor, PeeringFabric.TorV4);
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2", [Raw]);

        await raw.HandshakeAsync(65001, "10.0.0.1", o => o with { Families = [Afi.IPv6] });
        var notification = raw.ReceiveNotification();
        Assert.NotNull(notification);
        Assert.Equal((BgpError.OpenMessage, BgpSubcode.UnsupportedCapability), (notification.Code, notification.Subcode));
        Assert.Equal(new byte[] { CapabilityCode.Multiprotocol, 4, 0, 1, 0, 1 }, notification.Data); // MP IPv4 unicast
        Assert.NotEqual(BgpState.Established, speaker.Peers.Single().State);
    }

    [Fact]
    public async Task An_MD5_key_the_kernel_refuses_keeps_the_neighbour_down_and_unsigned_connections_out()
    {
        using var fabric = new PeeringFabric();
        await using var speaker = await SpeakerFixture.StartAsync(fabric.Node, 65002, "10.0.0.2", [Raw with { Password = new string('k', 81) }]);

        var peer = speaker.Peers.Single();
        Assert.Equal(BgpState.Idle, peer.State);
        Assert.Contains("MD5", peer.Info);
        // An unsigned connection from the neighbour's address reaches the listener (it holds no key): we must close it.
        using var socket = NetnsSockets.RunIn(fabric.Tor.NetnsPath, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 179), timeout.Token);
        var buffer = new byte[64];
        int read;
        try
        {
            read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            read = 0; // reset: closed as well
        }
        Assert.Equal(0, read);
        Assert.Equal(BgpState.Idle, speaker.Peers.Single().State);
    }
}
