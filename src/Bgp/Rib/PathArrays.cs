namespace L3Net.Bgp.Rib;

/// <summary>
/// Spare candidate arrays of the RIB (guarded by the RIB lock), by size: a prefix gaining a candidate hands its
/// outgrown array back and the next prefix to reach that size takes it. Ten feeds of one table arrive together, so the
/// prefixes being filled at any moment are a narrow band of the table: with the spares, the arrays of two, four and
/// eight candidates are allocated for that band only, not for every prefix, and what stays allocated is one array a
/// prefix. The spares hold at most <see cref="MaxSpareSlots"/> candidates in all (4 MiB), so a session going down
/// (every prefix losing a candidate) does not turn into a pool of garbage held for ever.
/// </summary>
internal sealed class PathArrays
{
    private const int MaxSpareSlots = 1 << 18;
    private int _spareSlots;
    /// <summary>By length: powers of two, and the RIB's number of sources when that is not one.</summary>
    private readonly Dictionary<int, Stack<Path[]>> _spare = [];

    /// <summary>An empty array of <paramref name="length"/> candidates. (Allocated young, as usual: allocating on the
    /// pinned-object heap, gen2 from birth, spared the collector its copies but made a ten-feed run six times dearer,
    /// 48-59 CPU s against 8-10.)</summary>
    public Path[] Rent(int length)
    {
        if (!_spare.TryGetValue(length, out var spare) || !spare.TryPop(out var array))
            return new Path[length];
        _spareSlots -= length;
        return array;
    }

    /// <summary>Takes back an array no entry refers to any more; cleared so that it holds no attributes alive.</summary>
    public void Return(Path[] array)
    {
        if (_spareSlots + array.Length > MaxSpareSlots)
            return;
        if (!_spare.TryGetValue(array.Length, out var spare))
            _spare[array.Length] = spare = new Stack<Path[]>();
        Array.Clear(array);
        spare.Push(array);
        _spareSlots += array.Length;
    }
}
