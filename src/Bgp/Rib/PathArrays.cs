namespace L3Net.Bgp.Rib;

/// <summary>
/// Spare candidate arrays of the RIB (guarded by the RIB lock), by size: a prefix gaining a candidate hands its
/// outgrown array back and the next prefix to reach that size takes it. Ten feeds of one table arrive together, so the
/// prefixes being filled at any moment are a narrow band of the table: with the spares, the arrays of two, four and
/// eight candidates are allocated for that band only, not for every prefix, and what stays allocated is one array a
/// prefix. At most <see cref="MaxSparePerSize"/> are kept a size, so a session going down (every prefix losing a
/// candidate) does not turn into a pool of garbage held for ever.
/// </summary>
internal sealed class PathArrays
{
    private const int MaxSparePerSize = 16384;
    /// <summary>By log2 of the length: 2, 4, 8, ... candidates.</summary>
    private readonly Stack<Path[]>[] _spare = [.. Enumerable.Range(0, 17).Select(_ => new Stack<Path[]>())];

    /// <summary>An empty array of <paramref name="length"/> candidates (a power of two from 2). (Allocated young, as
    /// usual: allocating on the pinned-object heap, gen2 from birth, spared the collector its copies but made a ten-feed
    /// run six times dearer, 48-59 CPU s against 8-10.)</summary>
    public Path[] Rent(int length) => _spare[Log2(length)].TryPop(out var array) ? array : new Path[length];

    /// <summary>Takes back an array no entry refers to any more; cleared so that it holds no attributes alive.</summary>
    public void Return(Path[] array)
    {
        var spare = _spare[Log2(array.Length)];
        if (spare.Count >= MaxSparePerSize)
            return;
        Array.Clear(array);
        spare.Push(array);
    }

    private static int Log2(int length) => System.Numerics.BitOperations.Log2((uint)length);
}
