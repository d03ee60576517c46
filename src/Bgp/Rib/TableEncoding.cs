namespace L3Net.Bgp.Rib;

/// <summary>
/// An update group's whole table and End-of-RIB, encoded once for every member that joins while it is recent (a
/// reflector restarting meets all its clients within seconds): each joiner sends these chunks, less its own routes,
/// then the group's log after <see cref="At"/>, which brings it to where the group is. Encoded lazily, a chunk at a
/// time, by whichever joiner's writer wants a chunk that is not there yet (under the group's encode lock), so a
/// table of a million routes costs its joiners one encoding and nobody waits for all of it before sending.
/// The chunk list is read and grown under the RIB lock; the encoder runs under the encode lock alone.
/// </summary>
internal sealed class TableEncoding(OutBatch table, bool fourOctetAs, OutChunk at, long skipBatch)
{
    private readonly List<OutChunk> _chunks = [];
    private readonly IEnumerator<OutChunk> _encoder = ChunkEncoder.Encode(table, fourOctetAs, batchId: 0).GetEnumerator();

    /// <summary>The group's newest chunk when the table was taken: a joiner's position in the log.</summary>
    public OutChunk At { get; } = at;

    /// <summary>The batch the group was encoding then (or had encoded last): its changes are in the table already, so
    /// a joiner skips the rest of it.</summary>
    public long SkipBatch { get; } = skipBatch;

    /// <summary>Bytes encoded so far (RIB lock).</summary>
    public long Bytes { get; private set; }

    /// <summary>Every chunk is encoded (RIB lock).</summary>
    public bool Complete { get; private set; }

    /// <summary>The <paramref name="index"/>th chunk, or null when it is not encoded yet (RIB lock).</summary>
    public OutChunk? ChunkAt(int index) => index < _chunks.Count ? _chunks[index] : null;

    /// <summary>Encodes the next chunk, null when there is none left (encode lock held, RIB lock not).</summary>
    public OutChunk? EncodeNext()
    {
        if (_encoder.MoveNext())
            return _encoder.Current;
        _encoder.Dispose();
        return null;
    }

    /// <summary>Publishes what <see cref="EncodeNext"/> returned (RIB lock).</summary>
    public void Add(OutChunk? chunk)
    {
        if (chunk is null)
        {
            Complete = true;
            return;
        }
        _chunks.Add(chunk);
        Bytes += chunk.Data.Length;
    }
}
