using System.Runtime.InteropServices;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Fsm;

/// <summary>The writer half: turns an Adj-RIB-Out batch into packed UPDATEs, written in chunks with any queued
/// control message (KEEPALIVE) sent before the next chunk.</summary>
internal sealed partial class Session
{
    private async Task WriteBatchAsync(OutBatch batch, byte[] buffer, CancellationToken ct)
    {
        var pos = 0;
        foreach (var afi in (Afi[])[Afi.IPv4, Afi.IPv6])
        {
            var withdrawn = batch.Withdrawn.Where(p => p.Afi == afi).ToList();
            for (var i = 0; i < withdrawn.Count;)
            {
                pos = Fill(buffer, pos, null, withdrawn, ref i);
                pos = await FlushIfFullAsync(buffer, pos, ct);
            }
        }
        foreach (var (attributes, prefixes) in batch.Announced)
            for (var i = 0; i < prefixes.Count;)
            {
                pos = Fill(buffer, pos, attributes, prefixes, ref i);
                pos = await FlushIfFullAsync(buffer, pos, ct);
            }
        foreach (var afi in batch.EndOfRib)
        {
            pos += UpdateWriter.WriteEndOfRib(buffer.AsSpan(pos), afi);
            pos = await FlushIfFullAsync(buffer, pos, ct);
        }
        if (pos > 0)
            await FlushChunkAsync(buffer, pos, ct);
    }

    /// <summary>Packs UPDATEs for <paramref name="prefixes"/> from index <paramref name="next"/> until the chunk is full.</summary>
    private int Fill(byte[] buffer, int pos, PathAttributes? attributes, List<Prefix> prefixes, ref int next)
    {
        var all = CollectionsMarshal.AsSpan(prefixes);
        while (next < all.Length && pos <= ChunkBytes)
        {
            var dst = buffer.AsSpan(pos, MessageFrame.MaxLength);
            int consumed;
            pos += attributes is null
                ? UpdateWriter.WriteWithdraw(dst, all[next..], out consumed)
                : UpdateWriter.WriteAnnounce(dst, attributes, all[next..], FourOctetAs, out consumed);
            next += consumed;
        }
        return pos;
    }

    private async ValueTask<int> FlushIfFullAsync(byte[] buffer, int pos, CancellationToken ct)
    {
        if (pos <= ChunkBytes)
            return pos;
        await FlushChunkAsync(buffer, pos, ct);
        return 0;
    }

    private async Task FlushChunkAsync(byte[] buffer, int length, CancellationToken ct)
    {
        while (_control.Reader.TryRead(out var message))
            await WriteAsync(message, ct);
        await WriteAsync(buffer.AsMemory(0, length), ct);
    }
}
