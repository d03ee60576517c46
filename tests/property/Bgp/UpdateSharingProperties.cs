using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using L3Net.Bgp.Wire;
using L3Net.Tests.Bgp;
using Xunit;

namespace L3Net.Tests.Property.Bgp;

/// <summary>Whatever the interleaving of route changes, members reading at their own pace (or not at all, so they fall
/// out of the shared stream), route refreshes and late joins, every peer ends up with exactly the routes it should have
/// once its writer has sent everything: shared chunks, catch-ups and rejoins lose nothing and resurrect nothing.</summary>
[Properties(Arbitrary = new[] { typeof(SharingArbitraries) })]
public sealed class UpdateSharingProperties
{
    [Property(MaxTest = 200, EndSize = 60)]
    public void Every_peer_converges_to_its_export_whatever_the_interleaving(SharingStep[] steps)
    {
        var rib = new RibHarness();
        var group = rib.Group(RibHarness.ClientKey(), maxLagBytes: 600);
        var peers = Enumerable.Range(1, 3).Select(n => rib.Join(group, n)).ToList();
        foreach (var (op, n, from, count, med) in steps)
        {
            var peer = peers[n - 1];
            switch (op)
            {
                case SharingOp.Originate or SharingOp.WithdrawLocal:
                    rib.Set(rib.Local, RibHarness.Range(100, from, count), op == SharingOp.Originate ? (uint)med : null);
                    break;
                case SharingOp.ClientAnnounce or SharingOp.ClientWithdraw:
                    rib.Set(peer.Member.Source, RibHarness.Range(200 + n, from, count), op == SharingOp.ClientAnnounce ? (uint)med : null);
                    break;
                case SharingOp.Pull:
                    peer.Pull(count % 4);
                    break;
                case SharingOp.Refresh:
                    group.Refresh(peer.Member, Afi.IPv4);
                    break;
                case SharingOp.JoinLate when peers.Count < 4:
                    peers.Add(rib.Join(group, 4));
                    break;
            }
        }
        foreach (var peer in peers)
        {
            peer.Pull();
            Assert.Equal(rib.Expected(peer), peer.View);
            Assert.Equal(1, peer.EndOfRibs);
            Assert.NotNull(peer.Member.Position);
        }
    }
}

public enum SharingOp { Originate, WithdrawLocal, ClientAnnounce, ClientWithdraw, Pull, Refresh, JoinLate }

/// <summary>One step: <c>Op</c> by or towards peer <c>Peer</c> (1-3) on <c>Count</c> prefixes from <c>From</c>, with
/// MED <c>Med</c>.</summary>
public sealed record SharingStep(SharingOp Op, int Peer, int From, int Count, int Med);

public static class SharingArbitraries
{
    private static readonly Gen<SharingStep> Step =
        from op in Gen.Elements(Enum.GetValues<SharingOp>())
        from peer in Gen.Choose(1, 3)
        from from_ in Gen.Choose(0, 20)
        from count in Gen.Choose(0, 60)
        from med in Gen.Choose(0, 5)
        select new SharingStep(op, peer, from_ * 10, count, med);

    public static Arbitrary<SharingStep[]> Steps() => Histories.Of(Step, maxSteps: 60);
}
