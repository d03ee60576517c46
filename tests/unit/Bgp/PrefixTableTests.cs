using System.Runtime.CompilerServices;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>The RIB's open-addressing prefix table: growth, probe runs surviving deletion, entry reuse, and keys that
/// differ only in length or family.</summary>
public sealed class PrefixTableTests
{
    private static Prefix V4(int i, int length = 24) => Prefix.Create(Afi.IPv4, [(byte)(1 + (i >> 16)), (byte)(i >> 8), (byte)i, 0], length);

    private static void Put(PrefixTable table, Prefix p, ushort mark)
    {
        ref var e = ref table.GetOrAdd(p, out _);
        e.Best = mark;
        e.Paths = new PathAttributes();
    }

    [Fact]
    public void Grows_past_many_doublings_and_finds_every_key()
    {
        var table = new PrefixTable();
        for (var i = 0; i < 100_000; i++)
        {
            ref var e = ref table.GetOrAdd(V4(i), out var added);
            Assert.True(added);
            e.Paths = new PathAttributes();
        }
        Assert.Equal(100_000, table.Count);
        for (var i = 0; i < 100_000; i++)
            Assert.Equal(V4(i), table.Find(V4(i)).Prefix);
        Assert.True(Unsafe.IsNullRef(ref table.Find(V4(100_001))));
    }

    [Fact]
    public void Keys_differing_only_in_length_or_family_are_distinct()
    {
        var table = new PrefixTable();
        var keys = new[]
        {
            V4(5, 22), V4(5, 24), Prefix.Parse("0.0.0.0/0"), Prefix.Parse("::/0"),
            new Prefix(Afi.IPv6, V4(5, 24).Hi, 0, 24), Prefix.Parse("fd00::/64"), Prefix.Parse("fd00::1/128"),
        };
        for (var i = 0; i < keys.Length; i++)
            Put(table, keys[i], (ushort)i);
        Assert.Equal(keys.Length, table.Count);
        for (var i = 0; i < keys.Length; i++)
            Assert.Equal(i, table.Find(keys[i]).Best);
    }

    [Fact]
    public void Removing_from_the_middle_of_probe_runs_keeps_every_other_key_reachable()
    {
        // 3/4 full before each doubling: long probe runs, so backward-shift deletion is exercised on every removal.
        var table = new PrefixTable();
        const int n = 12_288;
        for (var i = 0; i < n; i++)
            Put(table, V4(i), (ushort)(i % 251));
        var removed = new HashSet<int>();
        var random = new Random(7);
        while (removed.Count < n / 2)
        {
            var i = random.Next(n);
            if (removed.Add(i))
                table.Remove(V4(i));
        }
        Assert.Equal(n - removed.Count, table.Count);
        for (var i = 0; i < n; i++)
        {
            ref var e = ref table.Find(V4(i));
            if (removed.Contains(i))
                Assert.True(Unsafe.IsNullRef(ref e), $"{V4(i)} still found after removal");
            else
                Assert.Equal(i % 251, e.Best);
        }
    }

    [Fact]
    public void Freed_entries_are_reused_and_walks_see_them_as_free()
    {
        var table = new PrefixTable();
        for (var i = 0; i < 1000; i++)
            Put(table, V4(i), 1);
        for (var i = 0; i < 500; i++)
            table.Remove(V4(i));
        var live = 0;
        for (var n = 0; n < table.Allocated; n++)
            live += table.At(n).Paths is null ? 0 : 1;
        Assert.Equal(500, live);
        for (var i = 1000; i < 1500; i++)
            Put(table, V4(i), 2);
        Assert.Equal(1000, table.Allocated);
        Assert.Equal(1000, table.Count);
    }

    [Fact]
    public void Removing_a_missing_key_changes_nothing()
    {
        var table = new PrefixTable();
        Put(table, V4(1), 1);
        table.Remove(V4(2));
        Assert.Equal(1, table.Count);
        Assert.Equal(1, table.Find(V4(1)).Best);
    }

    [Fact]
    public void An_entry_stays_32_bytes()
        => Assert.Equal(32, Unsafe.SizeOf<RouteEntry>()); // a million-prefix table pays every byte a million times
}
