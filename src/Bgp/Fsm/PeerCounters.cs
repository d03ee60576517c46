using System.Buffers.Binary;

namespace L3Net.Bgp.Fsm;

/// <summary>
/// What a neighbour has done across all its sessions, for the node's per-peer metrics: UPDATEs received and sent,
/// flaps (an Established session that went down) and why it last went down or failed to come up. Kept apart from the
/// FSM so that the session code only bumps a counter; every member is safe to call from the reader and writer loops.
/// </summary>
internal sealed class PeerCounters
{
    private const int HeaderLength = 19, LengthOffset = 16;
    private long _updatesReceived, _updatesSent, _flaps;
    private volatile string? _lastError;

    public void UpdateReceived() => Interlocked.Increment(ref _updatesReceived);

    /// <summary>Counts the UPDATE messages in byte ranges about to be written; each range holds whole messages (an
    /// Adj-RIB-Out chunk, or our split-horizon cut of one), so walking their headers finds every one. A list, not an
    /// enumerable: the writer calls this per write, and a boxed enumerator would allocate each time.</summary>
    public void Sending(List<ReadOnlyMemory<byte>> messages)
    {
        var count = 0;
        foreach (var range in messages)
        {
            var span = range.Span;
            while (span.Length >= HeaderLength)
            {
                count++;
                // Our own encoding, so the length is sound; clamped all the same, so that a bad one cannot loop here.
                span = span[Math.Clamp(BinaryPrimitives.ReadUInt16BigEndian(span[LengthOffset..]), HeaderLength, span.Length)..];
            }
        }
        Interlocked.Add(ref _updatesSent, count);
    }

    /// <summary>A session ended: a flap when it had been Established; <paramref name="reason"/> becomes the last error.</summary>
    public void SessionClosed(bool wasEstablished, string reason)
    {
        if (wasEstablished)
            Interlocked.Increment(ref _flaps);
        _lastError = reason;
    }

    /// <summary>A connection could not be opened, or the neighbour was disabled.</summary>
    public void Failed(string reason) => _lastError = reason;

    public PeerCounterValues Read()
        => new(Interlocked.Read(ref _updatesReceived), Interlocked.Read(ref _updatesSent), Interlocked.Read(ref _flaps), _lastError);
}
