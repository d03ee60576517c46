using System.Runtime.CompilerServices;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// The RIB's one table keyed by prefix: an open-addressing index (linear probing, power-of-two size, at most 3/4
/// full, deletion by backward shift so there are no tombstones) over entries kept in fixed-size pages.
/// Each index slot is one ulong: the key's 32-bit hash above the entry number + 1 (0 = empty), so probing compares
/// hashes without touching entries, and growing rehashes the index alone, from the stored hashes. Entries never move:
/// a page is never copied on growth (no million-entry array copied and left to the GC), a ref to an entry stays valid
/// while the table grows, and a freed entry is reused by the next insert. At a million prefixes that is 32 bytes of
/// entry plus 16 of index per prefix, against ~150 for a Dictionary per Adj-RIB-In plus one for the Loc-RIB.
/// </summary>
internal sealed class PrefixTable
{
    private const int PageBits = 12;
    private const int PageSize = 1 << PageBits;
    private ulong[] _index = new ulong[16];
    private RouteEntry[][] _pages = [];
    private int[] _free = [];
    private int _freeCount;

    public int Count { get; private set; }

    /// <summary>Entry numbers in use are below this (free ones among them have no paths): the range to walk.</summary>
    public int Allocated { get; private set; }

    public ref RouteEntry At(int entry) => ref _pages[entry >> PageBits][entry & (PageSize - 1)];

    /// <summary>The entry for <paramref name="prefix"/>, or a null ref (test with <see cref="Unsafe.IsNullRef"/>).</summary>
    public ref RouteEntry Find(in Prefix prefix)
    {
        var slot = Probe(prefix, Hash(prefix));
        return ref _index[slot] == 0 ? ref Unsafe.NullRef<RouteEntry>() : ref At(EntryOf(_index[slot]));
    }

    /// <summary>The entry for <paramref name="prefix"/>; a new one with no paths when <paramref name="added"/>.</summary>
    public ref RouteEntry GetOrAdd(in Prefix prefix, out bool added)
    {
        var hash = Hash(prefix);
        var slot = Probe(prefix, hash);
        if (_index[slot] != 0)
        {
            added = false;
            return ref At(EntryOf(_index[slot]));
        }
        added = true;
        if ((Count + 1) * 4L > _index.Length * 3L)
        {
            Grow();
            slot = Probe(prefix, hash);
        }
        var entry = _freeCount > 0 ? _free[--_freeCount] : NewEntry();
        _index[slot] = ((ulong)hash << 32) | (uint)(entry + 1);
        Count++;
        ref var e = ref At(entry);
        e.Init(prefix);
        return ref e;
    }

    /// <summary>Removes <paramref name="prefix"/> if present; its entry is cleared and reused by a later insert.</summary>
    public void Remove(in Prefix prefix)
    {
        var slot = Probe(prefix, Hash(prefix));
        if (_index[slot] == 0)
            return;
        var entry = EntryOf(_index[slot]);
        At(entry) = default;
        if (_freeCount == _free.Length)
            Array.Resize(ref _free, Math.Max(64, _free.Length * 2));
        _free[_freeCount++] = entry;
        Count--;
        // Backward shift: pull later members of the probe run into the hole when their home slot allows it.
        var mask = _index.Length - 1;
        var hole = slot;
        for (var j = (hole + 1) & mask; _index[j] != 0; j = (j + 1) & mask)
        {
            var home = (int)(_index[j] >> 32) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                _index[hole] = _index[j];
                hole = j;
            }
        }
        _index[hole] = 0;
    }

    /// <summary>The index slot holding <paramref name="prefix"/>, or the empty slot where it would go.</summary>
    private int Probe(in Prefix prefix, uint hash)
    {
        var index = _index;
        var mask = index.Length - 1;
        for (var slot = (int)hash & mask; ; slot = (slot + 1) & mask)
        {
            var s = index[slot];
            if (s == 0 || ((uint)(s >> 32) == hash && At(EntryOf(s)).Matches(prefix)))
                return slot;
        }
    }

    private static int EntryOf(ulong slot) => (int)(uint)slot - 1;

    private int NewEntry()
    {
        var entry = Allocated++;
        if (entry >> PageBits == _pages.Length)
            Array.Resize(ref _pages, _pages.Length + 1);
        _pages[entry >> PageBits] ??= new RouteEntry[PageSize];
        return entry;
    }

    private void Grow()
    {
        var old = _index;
        _index = new ulong[old.Length * 2];
        var mask = _index.Length - 1;
        foreach (var s in old)
        {
            if (s == 0)
                continue;
            var slot = (int)(s >> 32) & mask;
            while (_index[slot] != 0)
                slot = (slot + 1) & mask;
            _index[slot] = s;
        }
    }

    /// <summary>A 64-bit finalizer (splitmix64) over the key's words, folded to 32 bits: IPv4 keys differ only in a
    /// few high bits of <see cref="Prefix.Hi"/>, so the bits must be mixed before the low ones pick a slot.</summary>
    private static uint Hash(in Prefix p)
    {
        var h = p.Hi ^ (p.Lo * 0x9E3779B97F4A7C15UL) ^ ((ulong)p.Length << 2) ^ (ulong)p.Afi;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(h ^ (h >> 31));
    }
}
