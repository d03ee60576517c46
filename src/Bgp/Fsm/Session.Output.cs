using System.Buffers;
using L3Net.Bgp.Rib;

namespace L3Net.Bgp.Fsm;

/// <summary>The writer half: sends the chunks of UPDATEs its RIB member hands out (shared with the rest of its update
/// group, or its own while it catches up), with any queued control message (KEEPALIVE) sent before the next write.</summary>
internal sealed partial class Session
{
    /// <summary>Sends <paramref name="first"/> and whatever further chunks are ready, up to about
    /// <see cref="ChunkEncoder.ChunkBytes"/>, in one write: a member that fell behind its group's log finds many small
    /// chunks there (one per batch the group encoded), which would otherwise cost a system call each.</summary>
    private async Task WriteChunksAsync(RibMember member, OutChunk first, CancellationToken ct)
    {
        while (_control.Reader.TryRead(out var message))
            await WriteAsync(message, ct);
        var parts = first.PartsFor(member.Source).ToList();
        var total = parts.Sum(p => p.Length);
        while (total < ChunkEncoder.ChunkBytes && member.Next() is { } more)
            foreach (var part in more.PartsFor(member.Source))
            {
                parts.Add(part);
                total += part.Length;
            }
        peer.Counters.Sending(parts);
        if (parts.Count <= 1)
        {
            foreach (var part in parts)
                await WriteAsync(part, ct);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var pos = 0;
            foreach (var part in parts)
            {
                part.Span.CopyTo(buffer.AsSpan(pos));
                pos += part.Length;
            }
            await WriteAsync(buffer.AsMemory(0, total), ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
