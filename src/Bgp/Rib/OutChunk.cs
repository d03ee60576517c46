namespace L3Net.Bgp.Rib;

/// <summary>A run of whole UPDATE messages in a chunk, all announcing routes from one source (null: withdrawals,
/// End-of-RIB, or routes of our own).</summary>
internal readonly record struct OutSegment(int Start, int Length, RibSource? Source);

/// <summary>
/// Encoded UPDATE messages, up to about <see cref="ChunkEncoder.ChunkBytes"/>, never changed once built: one update
/// group encodes a chunk once and every member in sync sends the same bytes. The chunks of a group form a singly
/// linked log that members walk with their own cursor; a chunk behind every cursor is unreachable and collected, so
/// the log holds only what the slowest member in sync has yet to send.
/// </summary>
internal sealed class OutChunk
{
    private OutChunk? _next;

    public OutChunk(byte[] data, OutSegment[] segments, long batch)
    {
        Data = data;
        Segments = segments;
        Batch = batch;
    }

    /// <summary>The empty head of a new log.</summary>
    public static OutChunk Start() => new([], [], 0);

    public byte[] Data { get; }
    public OutSegment[] Segments { get; }
    /// <summary>Which of the group's batches this chunk encodes (a batch spans one or more chunks).</summary>
    public long Batch { get; }
    /// <summary>Bytes in the log up to and including this chunk: the distance between two cursors is what one member is
    /// behind the other.</summary>
    public long End { get; private set; }
    /// <summary>The chunk after this one in the log (read and linked under the RIB lock).</summary>
    public OutChunk? Next => _next;

    public void Link(OutChunk next)
    {
        next.End = End + next.Data.Length;
        _next = next;
    }

    /// <summary>The bytes to send to the member that is <paramref name="member"/>: everything but the announcements of
    /// that member's own routes (split horizon), as few contiguous ranges as possible.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> PartsFor(RibSource member)
    {
        int start = 0, end = 0;
        foreach (var s in Segments)
        {
            if (!ReferenceEquals(s.Source, member))
            {
                end = s.Start + s.Length;
                continue;
            }
            if (end > start)
                yield return Data.AsMemory(start, end - start);
            start = end = s.Start + s.Length;
        }
        if (end > start)
            yield return Data.AsMemory(start, end - start);
    }
}
