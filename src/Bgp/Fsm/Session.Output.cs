using L3Net.Bgp.Rib;

namespace L3Net.Bgp.Fsm;

/// <summary>The writer half: sends the chunks of UPDATEs its RIB member hands out (shared with the rest of its update
/// group, or its own while it catches up), with any queued control message (KEEPALIVE) sent before the next chunk.</summary>
internal sealed partial class Session
{
    private async Task WriteChunkAsync(OutChunk chunk, RibSource self, CancellationToken ct)
    {
        while (_control.Reader.TryRead(out var message))
            await WriteAsync(message, ct);
        foreach (var part in chunk.PartsFor(self))
            await WriteAsync(part, ct);
    }
}
