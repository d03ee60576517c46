using System.Buffers;
using System.Runtime.InteropServices;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// Turns an Adj-RIB-Out batch into packed UPDATEs (each up to 4096 bytes, as many prefixes with the same attributes
/// as fit), cut into chunks of about <see cref="ChunkBytes"/> so that a writer sends control messages between chunks
/// and an update group encodes a big batch a chunk at a time, as fast as its fastest member sends.
/// </summary>
internal static class ChunkEncoder
{
    public const int ChunkBytes = 64 * 1024;

    /// <summary>The chunks of <paramref name="batch"/>, produced lazily; <paramref name="fourOctetAs"/> is the session
    /// capability every receiver of these bytes negotiated.</summary>
    public static IEnumerable<OutChunk> Encode(OutBatch batch, bool fourOctetAs, long batchId)
    {
        var chunk = new Builder(batchId);
        try
        {
            foreach (var afi in (Afi[])[Afi.IPv4, Afi.IPv6])
            {
                var withdrawn = batch.Withdrawn.Where(p => p.Afi == afi).ToList();
                for (var i = 0; i < withdrawn.Count;)
                {
                    i += chunk.Withdraw(withdrawn, i);
                    if (chunk.Full)
                        yield return chunk.Cut();
                }
            }
            foreach (var (route, prefixes) in batch.Announced)
                for (var i = 0; i < prefixes.Count;)
                {
                    i += chunk.Announce(route, prefixes, i, fourOctetAs);
                    if (chunk.Full)
                        yield return chunk.Cut();
                }
            foreach (var afi in batch.EndOfRib)
            {
                chunk.EndOfRib(afi);
                if (chunk.Full)
                    yield return chunk.Cut();
            }
            if (!chunk.IsEmpty)
                yield return chunk.Cut();
        }
        finally
        {
            chunk.Dispose();
        }
    }

    /// <summary>One chunk being filled in a pooled buffer; <see cref="Cut"/> copies it out at its exact size.</summary>
    private sealed class Builder(long batchId) : IDisposable
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes + MessageFrame.MaxLength);
        private readonly List<OutSegment> _segments = [];
        private int _pos;

        public bool Full => _pos > ChunkBytes;
        public bool IsEmpty => _pos == 0;
        private Span<byte> Free => _buffer.AsSpan(_pos, MessageFrame.MaxLength);

        public int Withdraw(List<Prefix> prefixes, int from)
        {
            Wrote(UpdateWriter.WriteWithdraw(Free, CollectionsMarshal.AsSpan(prefixes)[from..], out var consumed), null);
            return consumed;
        }

        public int Announce(ExportedRoute route, List<Prefix> prefixes, int from, bool fourOctetAs)
        {
            var length = UpdateWriter.WriteAnnounce(Free, route.Attributes, CollectionsMarshal.AsSpan(prefixes)[from..], fourOctetAs, out var consumed);
            Wrote(length, route.Source.IsLocal ? null : route.Source);
            return consumed;
        }

        public void EndOfRib(Afi afi) => Wrote(UpdateWriter.WriteEndOfRib(Free, afi), null);

        private void Wrote(int length, RibSource? source)
        {
            if (_segments.Count > 0 && ReferenceEquals(_segments[^1].Source, source))
                _segments[^1] = _segments[^1] with { Length = _segments[^1].Length + length };
            else
                _segments.Add(new OutSegment(_pos, length, source));
            _pos += length;
        }

        public OutChunk Cut()
        {
            var chunk = new OutChunk(_buffer.AsSpan(0, _pos).ToArray(), [.. _segments], batchId);
            _pos = 0;
            _segments.Clear();
            return chunk;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }
}
