using L3Net.Bfd;
using L3Net.Bfd.Fsm;
using L3Net.Bfd.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bfd;

/// <summary>The state machine against itself (and against hand-made packets) on a virtual clock: no sockets.</summary>
public sealed class BfdSessionTests
{
    private static readonly BfdTimers Fast = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), 3);

    /// <summary>Two sessions joined by a link that can be cut; time moves in 1 ms steps; every packet is recorded.</summary>
    private sealed class Pair
    {
        public BfdSession A { get; }
        public BfdSession B { get; }
        public long Now { get; private set; }
        public bool LinkUp { get; set; } = true;
        public List<(long At, ControlPacket Packet)> SentByA { get; } = [];
        public List<(long At, ControlPacket Packet)> SentByB { get; } = [];

        public Pair(BfdTimers a, BfdTimers b, int seed = 1)
        {
            A = new BfdSession(11, a, new Random(seed), 0);
            B = new BfdSession(22, b, new Random(seed + 1), 0);
        }

        public void RunFor(TimeSpan span, Func<bool>? until = null)
        {
            var end = Now + (long)span.TotalMicroseconds;
            while (Now < end && until?.Invoke() != true)
            {
                Step(A, B, SentByA);
                Step(B, A, SentByB);
                Now += 1000;
            }
        }

        private void Step(BfdSession from, BfdSession to, List<(long, ControlPacket)> log)
        {
            var out_ = new List<ControlPacket>();
            from.Advance(Now, out_);
            foreach (var p in out_)
            {
                log.Add((Now, p));
                if (LinkUp)
                    to.Receive(p, Now);
            }
        }

        public void BringUp() => RunFor(TimeSpan.FromSeconds(5), () => A.State == BfdState.Up && B.State == BfdState.Up && !A.PollActive && !B.PollActive);
    }

    [Fact]
    public void Three_way_handshake_brings_both_sides_Up()
    {
        var pair = new Pair(Fast, Fast);
        pair.BringUp();
        Assert.Equal(BfdState.Up, pair.A.State);
        Assert.Equal(BfdState.Up, pair.B.State);
        Assert.Equal(22u, pair.A.RemoteDiscriminator);
        Assert.Equal(11u, pair.B.RemoteDiscriminator);
        // A's first packet carries Your Discriminator 0 (it knows nothing yet); later ones B's.
        Assert.Equal(0u, pair.SentByA[0].Packet.YourDiscriminator);
        Assert.Equal(22u, pair.SentByA[^1].Packet.YourDiscriminator);
    }

    [Fact]
    public void Sends_slowly_until_Up_then_polls_for_the_fast_rate()
    {
        var pair = new Pair(Fast, Fast);
        pair.LinkUp = false; // nobody hears anything: both stay Down
        pair.RunFor(TimeSpan.FromSeconds(5));
        var down = pair.SentByA.ToList();
        Assert.All(down, p => Assert.Equal(BfdState.Down, p.Packet.State));
        Assert.All(down, p => Assert.Equal(1_000_000u, p.Packet.DesiredMinTxUs));
        var gaps = down.Zip(down.Skip(1), (x, y) => y.At - x.At).ToList();
        Assert.All(gaps, g => Assert.InRange(g, 750_000, 1_001_000));

        pair.LinkUp = true;
        var before = pair.SentByA.Count;
        pair.BringUp();
        var after = pair.SentByA.Skip(before).Select(p => p.Packet).ToList();
        // The first Up packet starts a Poll Sequence announcing 100 ms; B answers with Final.
        var firstUp = after.First(p => p.State == BfdState.Up);
        Assert.True(firstUp.Poll);
        Assert.Equal(100_000u, firstUp.DesiredMinTxUs);
        Assert.Contains(pair.SentByB.Select(p => p.Packet), p => p.Final && !p.Poll);
        Assert.Equal(100_000u, pair.A.TransmitIntervalUs);
        Assert.Equal(300_000, pair.A.DetectionTimeUs); // B's multiplier 3 x max(our 100 ms rx, its 100 ms tx)
    }

    [Fact]
    public void A_cut_link_takes_the_session_Down_after_the_detection_time()
    {
        var pair = new Pair(Fast, Fast with { Multiplier = 5 });
        pair.BringUp();
        pair.LinkUp = false;
        var cut = pair.Now;
        // A detects after B's multiplier (5) x 100 ms, not after its own 3 x 100 ms.
        pair.RunFor(TimeSpan.FromSeconds(2), () => pair.A.State == BfdState.Down);
        Assert.Equal(BfdState.Down, pair.A.State);
        Assert.Equal(BfdDiagnostic.ControlDetectionTimeExpired, pair.A.LocalDiagnostic);
        Assert.Equal(0u, pair.A.RemoteDiscriminator);
        Assert.InRange(pair.Now - cut, 400_000, 501_000);
        // Down means slow again, and the restored link brings the session back.
        Assert.Equal(1_000_000u, pair.SentByA[^1].Packet.DesiredMinTxUs);
        pair.LinkUp = true;
        pair.BringUp();
        Assert.Equal(BfdState.Up, pair.A.State);
    }

    [Theory]
    [InlineData(3, 75, 100)]
    [InlineData(1, 75, 90)]
    public void Transmission_is_jittered_within_the_RFC_bounds(byte multiplier, int minPercent, int maxPercent)
    {
        var timers = Fast with { Multiplier = multiplier };
        var pair = new Pair(timers, timers);
        pair.BringUp();
        var start = pair.SentByA.Count;
        pair.RunFor(TimeSpan.FromSeconds(20));
        var periodic = pair.SentByA.Skip(start).Where(p => !p.Packet.Final).Select(p => p.At).ToList();
        var gaps = periodic.Zip(periodic.Skip(1), (x, y) => y - x).ToList();
        Assert.True(gaps.Count > 150);
        Assert.All(gaps, g => Assert.InRange(g, minPercent * 1000 - 1000, maxPercent * 1000 + 1000));
        // Spread over the range, not a constant.
        Assert.True(gaps.Max() - gaps.Min() > (maxPercent - minPercent) * 500);
    }

    [Fact]
    public void The_peers_Admin_Down_is_seen_as_such_and_not_as_a_detection_failure()
    {
        var pair = new Pair(Fast, Fast);
        pair.BringUp();
        pair.B.AdminDown(pair.Now);
        pair.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal(BfdState.AdminDown, pair.B.State);
        Assert.Equal(BfdState.Down, pair.A.State);
        Assert.Equal(BfdState.AdminDown, pair.A.RemoteState);
        Assert.Equal(BfdDiagnostic.NeighborSignaledSessionDown, pair.A.LocalDiagnostic);
        Assert.Equal(BfdDiagnostic.AdministrativelyDown, pair.SentByB[^1].Packet.Diagnostic);
    }

    [Fact]
    public void A_longer_transmit_interval_waits_for_the_Final()
    {
        var pair = new Pair(Fast, Fast);
        pair.BringUp();
        pair.LinkUp = false; // the Poll goes unanswered
        pair.A.SetTimers(Fast with { MinTx = TimeSpan.FromMilliseconds(500) }, pair.Now);
        pair.RunFor(TimeSpan.FromMilliseconds(50));
        Assert.True(pair.A.PollActive);
        Assert.True(pair.SentByA[^1].Packet.Poll);
        Assert.Equal(500_000u, pair.SentByA[^1].Packet.DesiredMinTxUs);
        Assert.Equal(100_000u, pair.A.TransmitIntervalUs); // still the old rate: B still expects it
        pair.LinkUp = true;
        pair.RunFor(TimeSpan.FromMilliseconds(200), () => !pair.A.PollActive);
        Assert.False(pair.A.PollActive);
        Assert.Equal(500_000u, pair.A.TransmitIntervalUs);
        Assert.Equal(BfdState.Up, pair.B.State);
    }

    [Fact]
    public void A_Poll_is_answered_at_once_with_Final_and_without_Poll()
    {
        var session = new BfdSession(7, Fast, new Random(1), 0);
        session.Advance(0, []);
        session.Receive(new ControlPacket { State = BfdState.Down, DetectMultiplier = 3, MyDiscriminator = 9, Poll = true, DesiredMinTxUs = 1_000_000, RequiredMinRxUs = 100_000 }, 10_000);
        var sent = new List<ControlPacket>();
        session.Advance(10_000, sent);
        Assert.Contains(sent, p => p.Final && !p.Poll && p.YourDiscriminator == 9);
        Assert.Equal(BfdState.Init, session.State);
    }

    [Fact]
    public void A_remote_asking_for_no_packets_gets_none()
    {
        var session = new BfdSession(7, Fast, new Random(1), 0);
        session.Receive(new ControlPacket { State = BfdState.Down, DetectMultiplier = 3, MyDiscriminator = 9, DesiredMinTxUs = 1_000_000, RequiredMinRxUs = 0 }, 0);
        var sent = new List<ControlPacket>();
        for (long t = 0; t < 5_000_000; t += 1000)
            session.Advance(t, sent);
        Assert.Empty(sent);
    }
}
