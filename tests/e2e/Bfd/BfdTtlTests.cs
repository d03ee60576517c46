using System.Net;
using System.Net.Sockets;
using L3Net.Bfd;
using L3Net.Bfd.Wire;
using L3Net.Testing.Peers;
using L3Net.Tests.E2e.Bgp;
using Xunit;

namespace L3Net.Tests.E2e.Bfd;

/// <summary>RFC 5881 5 on a real socket: a single-hop packet that arrives with a TTL below 255 crossed a router (or
/// was forged off-link) and is dropped, however good its contents.</summary>
public sealed class BfdTtlTests
{
    [Fact]
    public async Task A_packet_with_TTL_254_is_discarded_and_one_with_255_is_not()
    {
        using var fabric = new PeeringFabric();
        var tor = IPAddress.Parse(PeeringFabric.TorV4);
        await using var bfd = new BfdService(new BfdOptions
        {
            SocketFactory = f => NetnsSockets.RunIn(fabric.Node.NetnsPath, () => new Socket(f, SocketType.Dgram, ProtocolType.Udp)),
            Families = [AddressFamily.InterNetwork],
        });
        bfd.SetPeers([new BfdPeer(tor, IPAddress.Parse(PeeringFabric.NodeV4(0)), BfdTimers.Default)]);
        var ours = bfd.Sessions.Single().LocalDiscriminator;

        using var sender = NetnsSockets.RunIn(fabric.Tor.NetnsPath, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        sender.Bind(new IPEndPoint(tor, 49152));
        var to = new IPEndPoint(IPAddress.Parse(PeeringFabric.NodeV4(0)), 3784);
        void Send(short ttl, ControlPacket p)
        {
            var b = new byte[ControlPacket.Length];
            p.WriteTo(b);
            sender.Ttl = ttl;
            sender.SendTo(b, to);
        }
        var remote = new ControlPacket { DetectMultiplier = 3, MyDiscriminator = 77, DesiredMinTxUs = 1_000_000, RequiredMinRxUs = 300_000 };
        // Accepted, this Init would take our Down session straight to Up; then a Down packet with TTL 255 takes it to Init.
        Send(254, remote with { State = BfdState.Init, YourDiscriminator = ours });
        Send(255, remote with { State = BfdState.Down });

        var first = await BfdInteropTests.NextAsync(bfd, _ => true, "a state change from the TTL 255 packet", () => "");
        Assert.Equal(BfdState.Init, first.To);
        Assert.Equal(77u, bfd.Sessions.Single().RemoteDiscriminator);
    }
}
