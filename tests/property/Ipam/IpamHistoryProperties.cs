using System.Net;
using FsCheck.Xunit;
using L3Net.Datastore;
using L3Net.Datastore.Sqlite;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Property.Ipam;

/// <summary>
/// Random histories of assign / release / static / give-back-blocks on two nodes and two 16-address pools (IPv4 /28 and
/// IPv6 /124, blocks of four, so claims and borrowing happen all the time), each run on a fresh SQLite file. After every
/// step the store must agree with a plain model of who holds what; at the end every free address must be assignable.
/// </summary>
[Properties(Arbitrary = new[] { typeof(IpamOpGen) })]
public sealed class IpamHistoryProperties
{
    private const int PoolSize = 16;

    /// <summary>Each run is a fresh SQLite file, so 25 histories of up to 30 steps.</summary>
    [Property(MaxTest = 25, EndSize = 30)]
    public Task Random_histories_keep_every_IPAM_invariant(IpamOp[] ops) => RunAsync(ops);

    private static async Task RunAsync(IpamOp[] ops)
    {
        var dir = Directory.CreateTempSubdirectory("l3net-ipam-prop-").FullName;
        try
        {
            await using var store = SqliteDatastore.Open(Path.Combine(dir, "l3net.db"));
            var resources = new ResourceStore(store);
            await resources.CreateAsync(Pool("p4", "10.0.0.0/28", 30));
            await resources.CreateAsync(Pool("p6", "fd00::/124", 126));
            var ipam = new IpamService(store);
            var model = new Dictionary<string, string>(); // address → handle
            for (var i = 0; i < ops.Length; i++)
            {
                await ApplyAsync(ipam, ops[i], model);
                await AssertInvariantsAsync(ipam, store, model, $"after step {i + 1} ({ops[i]})");
            }
            await AssertFreeAddressesAreAssignableAsync(ipam, model);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task ApplyAsync(IpamService ipam, IpamOp op, Dictionary<string, string> model)
    {
        switch (op)
        {
            case Assign a:
                var handle = Handle(a.Handle);
                try
                {
                    var got = await ipam.AutoAssignAsync(new AutoAssignRequest { Handle = handle, Node = a.Node, Num4 = a.Num4, Num6 = a.Num6 });
                    Assert.Equal(a.Num4 + a.Num6, got.Count);
                    foreach (var address in got.Select(g => g.Address.ToString()))
                        Assert.True(model.TryAdd(address, handle), $"{op} gave {address}, which {model.GetValueOrDefault(address)} holds");
                }
                catch (PoolExhaustedException)
                {
                    var free4 = PoolSize - model.Keys.Count(k => !k.Contains(':'));
                    var free6 = PoolSize - model.Keys.Count(k => k.Contains(':'));
                    Assert.True(free4 < a.Num4 || free6 < a.Num6, $"{op}: pool exhausted with {free4} IPv4 and {free6} IPv6 addresses free");
                }
                break;
            case ReleaseHandle r:
                var held = model.Where(m => m.Value == Handle(r.Handle)).Select(m => m.Key).ToList();
                Assert.Equal(held.Count, await ipam.ReleaseByHandleAsync(Handle(r.Handle)));
                held.ForEach(h => model.Remove(h));
                break;
            case ReleaseAddress r:
                var addresses = model.Keys.Order(StringComparer.Ordinal).ToList();
                var pick = addresses.Count == 0 ? "10.0.0.3" : addresses[r.Pick % addresses.Count];
                Assert.Equal(model.Remove(pick), await ipam.ReleaseAddressAsync(IPAddress.Parse(pick)));
                break;
            case Static s:
                var ip = $"10.0.0.{s.Offset}";
                var holder = model.GetValueOrDefault(ip);
                if (holder is not null && holder != Handle(s.Handle))
                {
                    await Assert.ThrowsAsync<AddressInUseException>(() => ipam.AssignSpecificAsync(IPAddress.Parse(ip), Handle(s.Handle), s.Node));
                    break;
                }
                await ipam.AssignSpecificAsync(IPAddress.Parse(ip), Handle(s.Handle), s.Node);
                model[ip] = Handle(s.Handle);
                break;
            case ReleaseEmptyBlocks e:
                await ipam.ReleaseEmptyBlocksAsync(e.Node);
                break;
        }
    }

    private static async Task AssertInvariantsAsync(IpamService ipam, IDatastore store, Dictionary<string, string> model, string when)
    {
        var blocks = await ipam.ListBlocksAsync();
        var actual = blocks.SelectMany(b => b.Allocations).Select(a => (a.Address.ToString(), a.Handle)).ToList();
        Assert.True(actual.Count == actual.Select(a => a.Item1).Distinct().Count(), $"{when}: an address is held twice");
        Assert.True(model.OrderBy(m => m.Key).Select(m => (m.Key, m.Value)).SequenceEqual(actual.OrderBy(a => a.Item1)),
            $"{when}: store holds [{string.Join(", ", actual)}], expected [{string.Join(", ", model)}]");
        var pools = new[] { IPNetwork.Parse("10.0.0.0/28"), IPNetwork.Parse("fd00::/124") };
        Assert.All(blocks, b => Assert.True(pools.Any(p => p.Contains(b.Cidr.BaseAddress)), $"{when}: block {b.Cidr} outside the pools"));
        foreach (var node in new[] { "a", "b", "c" })
        {
            var affine = (await ipam.AffineBlocksAsync(node)).Select(c => c.ToString()).Order().ToList();
            var owned = blocks.Where(b => b.Node == node).Select(b => b.Cidr.ToString()).Order().ToList();
            Assert.True(affine.SequenceEqual(owned), $"{when}: node {node} affinities [{string.Join(", ", affine)}] but blocks [{string.Join(", ", owned)}]");
        }
        var report = await ipam.CheckAsync(TimeSpan.Zero);
        Assert.True(report.Duplicates.Count + report.Affinities.Count + report.Handles.Count == 0, $"{when}: {report}");
        var affinityRecords = (await store.ListAsync(IpamKeys.AffinityPrefix)).Items.Count;
        Assert.Equal(blocks.Count(b => b.Node is not null), affinityRecords);
    }

    /// <summary>Released addresses come back: a third node can take exactly the addresses nobody holds.</summary>
    private static async Task AssertFreeAddressesAreAssignableAsync(IpamService ipam, Dictionary<string, string> model)
    {
        var v4 = model.Keys.Count(k => !k.Contains(':'));
        var v6 = model.Count - v4;
        var taken4 = await DrainAsync(ipam, num4: 1, num6: 0);
        var taken6 = await DrainAsync(ipam, num4: 0, num6: 1);
        Assert.True(taken4 == PoolSize - v4 && taken6 == PoolSize - v6,
            $"end: {taken4} IPv4 and {taken6} IPv6 addresses could still be assigned, expected {PoolSize - v4} and {PoolSize - v6}");
    }

    private static async Task<int> DrainAsync(IpamService ipam, int num4, int num6)
    {
        for (var n = 0; ; n++)
        {
            try
            {
                await ipam.AutoAssignAsync(new AutoAssignRequest { Handle = $"drain.{num4}.{n}", Node = "c", Num4 = num4, Num6 = num6 });
            }
            catch (PoolExhaustedException)
            {
                return n;
            }
        }
    }

    private static string Handle(int n) => $"net.h{n}";

    private static IPPool Pool(string name, string cidr, int blockSize)
        => new() { Metadata = { Name = name }, Spec = { Cidr = cidr, BlockSize = blockSize } };
}
