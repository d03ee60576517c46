using FsCheck;
using FsCheck.Fluent;
using L3Net.Bgp.Wire;
using L3Net.Tests.Bgp;
using Xunit;

namespace L3Net.Tests.Property.Bgp;

/// <summary>Whatever the interleaving of route changes, members reading at their own pace (or not at all, so they fall
/// out of the shared stream), route refreshes and late joins, every peer ends up with exactly the routes it should have
/// once its writer has sent everything: shared chunks, catch-ups and rejoins lose nothing and resurrect nothing.</summary>
public sealed class UpdateSharingProperties
{
    private enum Op { Originate, WithdrawLocal, ClientAnnounce, ClientWithdraw, Pull, Refresh, JoinLate }

    private static readonly Gen<(Op Op, int Peer, int From, int Count, int Med)> Step =
        from op in Gen.Elements(Enum.GetValues<Op>())
        from peer in Gen.Choose(1, 3)
        from from_ in Gen.Choose(0, 20)
        from count in Gen.Choose(0, 60)
        from med in Gen.Choose(0, 5)
        select (op, peer, from_ * 10, count, med);

    [Fact]
    public void Every_peer_converges_to_its_export_whatever_the_interleaving()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(Arb.From(Gen.Choose(1, 60).SelectMany(n => Gen.ArrayOf(Step, n))), steps =>
        {
            var rib = new RibHarness();
            var group = rib.Group(RibHarness.ClientKey(), maxLagBytes: 600);
            var peers = Enumerable.Range(1, 3).Select(n => rib.Join(group, n)).ToList();
            foreach (var (op, n, from, count, med) in steps)
            {
                var peer = peers[n - 1];
                switch (op)
                {
                    case Op.Originate or Op.WithdrawLocal:
                        rib.Set(rib.Local, RibHarness.Range(100, from, count), op == Op.Originate ? (uint)med : null);
                        break;
                    case Op.ClientAnnounce or Op.ClientWithdraw:
                        rib.Set(peer.Member.Source, RibHarness.Range(200 + n, from, count), op == Op.ClientAnnounce ? (uint)med : null);
                        break;
                    case Op.Pull:
                        peer.Pull(count % 4);
                        break;
                    case Op.Refresh:
                        group.Refresh(peer.Member, Afi.IPv4);
                        break;
                    case Op.JoinLate when peers.Count < 4:
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
        }));
}
