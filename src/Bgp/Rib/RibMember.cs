using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// An Established session as the RIB sees it: its source of routes, its update group, and where its writer is. A
/// member is either in sync (<see cref="Position"/>: it sends the group's shared chunks, after the group's encoding of
/// the whole table when it has just joined) or catching up on its own (<see cref="Private"/>: its own Adj-RIB-Out,
/// encoded for it alone) after a route refresh or after falling too far behind; it rejoins the group once it has sent
/// everything. Fields are guarded by the RIB lock, except the catch-up encoder, which only the session's writer touches.
/// </summary>
internal sealed class RibMember(RibSource source, UpdateGroup group, Action signal)
{
    /// <summary>Shared chunks that were already in the log when the member left the stream: sent before its own.</summary>
    private readonly Queue<OutChunk> _leftBehind = new();
    private IEnumerator<OutChunk>? _catchUp;
    /// <summary>Joined: the group's table, sent before anything else, and how many of its chunks have gone.</summary>
    private TableEncoding? _table;
    private int _tableSent;
    /// <summary>Chunks of this batch or older are not for this member (it rejoined while the batch was half encoded).</summary>
    private long _skipBatch;

    public RibSource Source { get; } = source;
    /// <summary>Changes only when the peer's export policy does (<see cref="UpdateGroup.MoveTo"/>).</summary>
    public UpdateGroup Group { get; set; } = group;

    /// <summary>In sync: the last shared chunk taken. Null while catching up.</summary>
    public OutChunk? Position { get; private set; }

    /// <summary>Catching up: this member's own Adj-RIB-Out. Null while in sync.</summary>
    public AdjRibOut? Private { get; private set; }

    public bool HasPending => Private?.HasPending ?? Group.Out.HasPending;

    /// <summary>Routes the peer has from us (or is about to): in sync, the group's less the peer's own.</summary>
    public int Advertised => Private?.Count ?? Group.Out.Count - Group.Out.CountFrom(Source);

    public bool CanRejoin => Private is { HasPending: false } && _leftBehind.Count == 0 && _table is null;

    /// <summary>Tells the session's writer that there is something to send.</summary>
    public void Signal() => signal();

    /// <summary>What this member's peer should have for <paramref name="prefix"/>: the group's choice, except its own routes.</summary>
    public ExportedRoute? Select(Prefix prefix, Candidate? best)
        => best is { } c && ReferenceEquals(c.Source, Source) ? null : Group.Select(prefix, best);

    /// <summary>Joins the group's stream as a new member (RIB lock): <paramref name="table"/> goes first, then the log
    /// after the point where the table was taken.</summary>
    public void Join(TableEncoding table)
    {
        (_table, _tableSent) = (table, 0);
        Join(table.At, table.SkipBatch);
        Signal();
    }

    /// <summary>Leaves the group's stream for <paramref name="own"/> (both group locks held).</summary>
    public void Leave(AdjRibOut own)
    {
        for (var c = Position!.Next; c is not null; c = c.Next)
            if (c.Batch > _skipBatch)
                _leftBehind.Enqueue(c);
        Position = null;
        Private = own;
    }

    /// <summary>Joins the group's stream after <paramref name="tail"/> (both group locks held).</summary>
    public void Join(OutChunk tail, long skipBatch)
    {
        Position = tail;
        _skipBatch = skipBatch;
        Private = null;
    }

    /// <summary>The next chunk for the session's writer to send, or null when there is nothing now (the member is
    /// signalled when there is): the rest of the table it joined with, then shared chunks it was left with, then its own
    /// or the group's. Called by the writer only.</summary>
    public OutChunk? Next()
    {
        while (true)
        {
            if (_catchUp is { } encoding)
            {
                if (encoding.MoveNext())
                    return encoding.Current;
                encoding.Dispose();
                _catchUp = null;
            }
            TableEncoding? table;
            bool catchingUp;
            lock (Group.RibLock)
            {
                if (_table is { } joined)
                {
                    if (joined.ChunkAt(_tableSent) is { } part)
                    {
                        _tableSent++;
                        return part;
                    }
                    if (joined.Complete)
                        _table = null;
                }
                table = _table; // not null: its next chunk is not encoded yet
                catchingUp = Private is not null;
                if (table is null)
                {
                    if (_leftBehind.TryDequeue(out var behind))
                        return behind;
                    if (Private is { } own)
                    {
                        if (own.HasPending)
                        {
                            _catchUp = ChunkEncoder.Encode(own.Take(), Group.Key.FourOctetAs, 0).GetEnumerator();
                            continue;
                        }
                    }
                    else
                        while (Position!.Next is { } next)
                        {
                            Position = next;
                            if (next.Batch > _skipBatch)
                                return next;
                        }
                }
            }
            var more = table is not null ? Group.TryEncodeTable(this, table)
                : catchingUp ? Group.TryRejoin(this)
                : Group.TryEncode(this);
            if (!more)
                return null;
        }
    }
}
