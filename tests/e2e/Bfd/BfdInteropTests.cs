using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using L3Net.Bfd;
using L3Net.Bfd.Wire;
using L3Net.Testing;
using L3Net.Testing.Peers;
using L3Net.Tests.E2e.Bgp;
using Xunit;

namespace L3Net.Tests.E2e.Bfd;

/// <summary>
/// Our BFD (in-process, its sockets in the "node" namespace) against BIRD's <c>bfd</c> protocol and FRR's
/// <c>bfdd</c> in the "tor" namespace, on the <see cref="PeeringFabric"/> veth: the session comes Up; a cut link
/// (link down, or every packet dropped) brings it Down by detection time; the restored link brings it Up; FRR's
/// Admin Down (<c>shutdown</c>) is seen as such, not as a failure (BIRD 2.0.12 sends no Admin Down). Every step waits on our state-change event, never on a sleep.
/// </summary>
public sealed class BfdInteropTests
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);
    private static readonly BfdTimers Timers = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), 3);
    private static readonly IPAddress Tor = IPAddress.Parse(PeeringFabric.TorV4), Node = IPAddress.Parse(PeeringFabric.NodeV4(0));

    private static string BirdConfig => $$"""
        router id {{PeeringFabric.TorV4}};
        protocol device {}
        protocol bfd bfd1 {
          interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
          neighbor {{PeeringFabric.NodeV4(0)}} local {{PeeringFabric.TorV4}};
        }
        """;

    private const string FrrPeerLine = $"peer 10.0.0.2 local-address {PeeringFabric.TorV4}";

    private static string FrrConfig => $"""
        hostname tor
        bfd
         {FrrPeerLine}
          receive-interval 100
          transmit-interval 100
          detect-multiplier 3
         !
        !
        """;

    [Fact]
    public async Task BIRD_session_comes_Up_and_goes_Down_on_link_down_and_when_BIRD_disables_it()
    {
        using var fabric = new PeeringFabric();
        var bird = await BirdPeer.StartAsync(fabric.Tor, BirdConfig);
        await using var bfd = StartOurs(fabric.Node);
        string Describe() => bird.Birdc("show", "bfd", "sessions") + bird.Process.Output;

        await NextAsync(bfd, c => c.To == BfdState.Up, "Up with BIRD", Describe);
        await Eventually.AssertAsync(() => bird.Birdc("show", "bfd", "sessions").Contains("Up"), EventTimeout, "BIRD seeing the session Up", Describe);

        fabric.Tor.Ip("link", "set", "node", "down");
        var down = await NextAsync(bfd, c => c.To == BfdState.Down, "Down after the link was cut", Describe);
        Assert.True(down.IsFailure, down.ToString());
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, down.Diagnostic);

        fabric.Tor.Ip("link", "set", "node", "up");
        await NextAsync(bfd, c => c.To == BfdState.Up, "Up after the link came back", Describe);

        // BIRD 2.0.12 frees a session of a disabled protocol without sending Admin Down (proto/bfd/bfd.c,
        // bfd_remove_session), so to us it is a silent peer: a failure by detection time, as RFC 5880 6.8.4 has it.
        bird.Birdc("disable", "bfd1");
        var disabled = await NextAsync(bfd, c => c.To == BfdState.Down, "Down after BIRD disabled its bfd protocol", Describe);
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, disabled.Diagnostic);
        Assert.False(disabled.PeerAdminDown);

        bird.Birdc("enable", "bfd1");
        await NextAsync(bfd, c => c.To == BfdState.Up, "Up after BIRD enabled it again", Describe);
    }

    [Fact]
    public async Task FRR_session_comes_Up_goes_Down_on_total_packet_loss_and_sees_Admin_Down()
    {
        using var fabric = new PeeringFabric();
        Requires.Command("iptables");
        var frr = await FrrPeer.StartBfdAsync(fabric.Tor, FrrConfig);
        await using var bfd = StartOurs(fabric.Node);
        string Describe() => frr.Vtysh("show bfd peers") + frr.Process.Output;

        await NextAsync(bfd, c => c.To == BfdState.Up, "Up with FRR", Describe);
        await Eventually.AssertAsync(() => frr.Vtysh("show bfd peers json").Contains("\"status\":\"up\""), EventTimeout, "bfdd seeing the session up", Describe);
        var status = bfd.Sessions.Single();
        Assert.Equal(TimeSpan.FromMilliseconds(100), status.TransmitInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(300), status.DetectionTime);

        // 100% loss both ways on the tor's link (this kernel has no sch_netem; nftables inside the namespace drops as well).
        DropAll(fabric.Tor, "-A");
        var down = await NextAsync(bfd, c => c.To == BfdState.Down, "Down under 100% loss", Describe);
        Assert.True(down.IsFailure);
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, down.Diagnostic);

        DropAll(fabric.Tor, "-D");
        await NextAsync(bfd, c => c.To == BfdState.Up, "Up after the loss ended", Describe);

        frr.Configure("bfd", FrrPeerLine, "shutdown");
        var admin = await NextAsync(bfd, c => c.To == BfdState.Down, "Down after FRR shut the peer down", Describe);
        Assert.True(admin.PeerAdminDown);
        Assert.False(admin.IsFailure);

        frr.Configure("bfd", FrrPeerLine, "no shutdown");
        await NextAsync(bfd, c => c.To == BfdState.Up, "Up after FRR's no shutdown", Describe);
    }

    private static void DropAll(NetnsHost host, string op)
    {
        host.Exec("iptables", op, "INPUT", "-i", "node", "-j", "DROP").EnsureOk($"iptables {op} INPUT");
        host.Exec("iptables", op, "OUTPUT", "-o", "node", "-j", "DROP").EnsureOk($"iptables {op} OUTPUT");
    }

    private static BfdService StartOurs(NetnsHost host)
    {
        var bfd = new BfdService(new BfdOptions
        {
            SocketFactory = f => NetnsSockets.RunIn(host.NetnsPath, () => new Socket(f, SocketType.Dgram, ProtocolType.Udp)),
            Families = [AddressFamily.InterNetwork],
            Log = m => TestContext.Current.SendDiagnosticMessage(m),
        });
        bfd.SetPeers([new BfdPeer(Tor, Node, Timers)]);
        return bfd;
    }

    /// <summary>The next state change matching <paramref name="match"/>, skipping others.</summary>
    internal static async Task<BfdStateChange> NextAsync(BfdService bfd, Func<BfdStateChange, bool> match, string what, Func<string> describe)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(EventTimeout);
        try
        {
            while (true)
            {
                var change = await bfd.Changes.ReadAsync(timeout.Token);
                if (match(change))
                    return change;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"no BFD state change: {what} within {EventTimeout.TotalSeconds} s; "
                + $"sessions: {string.Join("; ", bfd.Sessions)}\n{describe()}");
        }
    }
}
