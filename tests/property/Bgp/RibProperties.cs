using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Property.Bgp;

/// <summary>
/// The RIB against a plain model (a dictionary of (source, prefix) → route, and a set of stale ones): after any
/// sequence of announcements, withdrawals, graceful-restart marks and sweeps and source removals, every prefix's
/// Loc-RIB winner is the best candidate by <see cref="BestPath.Compare"/>, its next hops are the multipath set, the
/// change stream replayed gives the same table, and each source's counts match. A small prefix space over many
/// operations keeps probe runs long and entries recycled in the prefix table.
/// </summary>
[Properties(Arbitrary = new[] { typeof(RibArbitraries) })]
public sealed class RibProperties
{
    internal const int Sources = 6, Prefixes = 64; // six: a prefix's candidates outgrow their array twice (2, 4, 8)

    private static PathAttributes Attributes(uint firstAs, int pathLength, uint med, byte hop) => new()
    {
        NextHop = new IPAddress([10, 0, 0, hop]),
        Med = med,
        AsPath = new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence,
            new ValueArray<uint>([firstAs, .. Enumerable.Repeat(64999u, pathLength)]))])),
    };

    /// <summary>Per source a few attribute sets: equal ones (multipath), longer paths, a higher MED. All from one
    /// neighbouring AS: MED across ASes makes the comparison intransitive (RFC 4271 9.1.2.2 c), so "the best" would
    /// depend on the order candidates are compared in.</summary>
    private static readonly PathAttributes[][] Routes = [.. Enumerable.Range(0, Sources).Select(s => new[]
    {
        Attributes(65001, 0, 0, (byte)(s + 1)), Attributes(65001, 1, 0, (byte)(s + 1)),
        Attributes(65001, 0, 5, (byte)(s + 1)), Attributes(65001, 2, 0, (byte)(s + 1)),
    })];

    private static Prefix PrefixOf(int i) => i % 8 == 7
        ? Prefix.Create(Afi.IPv6, [0xfd, 0, 0, (byte)i], 64)
        : Prefix.Create(Afi.IPv4, [10, (byte)i, 0, 0], 16 + i % 3);

    /// <summary>Histories grow to 600 operations (<c>EndSize</c>), long enough to recycle prefix-table entries.</summary>
    [Property(MaxTest = 200, EndSize = 600)]
    public void The_RIB_agrees_with_a_model_of_candidates_after_any_history(RibOp[] ops)
    {
        var rib = new RibEngine(multipath: true);
        var sources = Enumerable.Range(0, Sources)
            .Select(s => new RibSource(new IPAddress([10, 0, 0, (byte)(s + 1)]), 65001, ibgp: false, routeReflectorClient: false) { RouterId = (uint)(Sources - s) })
            .ToArray();
        foreach (var s in sources)
            rib.AddSource(s);
        var model = new Dictionary<(int Source, Prefix Prefix), PathAttributes>();
        var stale = new HashSet<(int, Prefix)>();
        var fib = new Dictionary<string, string>();
        foreach (var (op, s, p, r) in ops)
        {
            var prefix = PrefixOf(p);
            switch (op)
            {
                case 0:
                    rib.Announce(sources[s], prefix, Routes[s][r]);
                    model[(s, prefix)] = Routes[s][r];
                    stale.Remove((s, prefix));
                    break;
                case 1:
                    rib.Withdraw(sources[s], prefix);
                    model.Remove((s, prefix));
                    stale.Remove((s, prefix));
                    break;
                case 2:
                    rib.MarkStale(sources[s]);
                    stale.UnionWith(model.Keys.Where(k => k.Source == s));
                    break;
                case 3:
                    rib.SweepStale(sources[s], r < 2 ? null : r == 2 ? Afi.IPv4 : Afi.IPv6);
                    foreach (var k in stale.Where(k => k.Item1 == s && (r < 2 || k.Item2.Afi == (r == 2 ? Afi.IPv4 : Afi.IPv6))).ToList())
                    {
                        model.Remove(k);
                        stale.Remove(k);
                    }
                    break;
                default:
                    rib.RemoveSource(sources[s]);
                    rib.AddSource(sources[s]);
                    foreach (var k in model.Keys.Where(k => k.Source == s).ToList())
                        model.Remove(k);
                    stale.RemoveWhere(k => k.Item1 == s);
                    break;
            }
            while (rib.Changes.TryRead(out var c))
                if (c.NextHops.Count == 0)
                    fib.Remove(c.Prefix.ToString());
                else
                    fib[c.Prefix.ToString()] = string.Join(',', c.NextHops);
        }

        var expected = new Dictionary<string, string>();
        for (var p = 0; p < Prefixes; p++)
        {
            var prefix = PrefixOf(p);
            var candidates = model.Where(kv => kv.Key.Prefix == prefix).Select(kv => new Candidate(sources[kv.Key.Source], kv.Value)).ToList();
            if (candidates.Count == 0)
            {
                Assert.Null(rib.Best(prefix));
                continue;
            }
            var best = candidates.Aggregate((a, b) => BestPath.Compare(b, a) < 0 ? b : a);
            Assert.Same(best.Attributes, rib.Best(prefix));
            var hops = candidates.Where(c => BestPath.CompareForMultipath(c, best) == 0).Select(c => c.Attributes.NextHop!)
                .Distinct().OrderBy(h => h.GetAddressBytes()[3]).ToList();
            expected[prefix.ToString()] = string.Join(',', hops);
        }
        Assert.Equal(expected.OrderBy(kv => kv.Key), fib.OrderBy(kv => kv.Key));
        Assert.Equal(expected.OrderBy(kv => kv.Key),
            rib.Snapshot().Select(r => KeyValuePair.Create(r.Prefix.ToString(), string.Join(',', r.NextHops))).OrderBy(kv => kv.Key));
        Assert.Equal(expected.Count, rib.LocRibCount);
        for (var s = 0; s < Sources; s++)
            Assert.Equal((model.Keys.Count(k => k.Source == s), stale.Count(k => k.Item1 == s)), (sources[s].Accepted, sources[s].Stale));
    }
}

/// <summary>One RIB operation: 0 announce route <c>Route</c> of <c>Source</c> for <c>Prefix</c>, 1 withdraw, 2 mark
/// the source's routes stale, 3 sweep its stale routes (all, IPv4 or IPv6 by <c>Route</c>), 4 remove and re-add it.</summary>
public sealed record RibOp(int Op, int Source, int Prefix, int Route);

public static class RibArbitraries
{
    private static readonly Gen<RibOp> Operation =
        from op in Gen.Frequency((12, Gen.Constant(0)), (6, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)), (1, Gen.Constant(4)))
        from source in Gen.Choose(0, RibProperties.Sources - 1)
        from prefix in Gen.Choose(0, RibProperties.Prefixes - 1)
        from route in Gen.Choose(0, 3)
        select new RibOp(op, source, prefix, route);

    public static Arbitrary<RibOp[]> Operations() => Histories.Of(Operation, maxSteps: 600);
}
