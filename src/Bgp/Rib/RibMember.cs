using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// An Established session as the RIB sees it: its source of routes, its update group, and where its writer is. A
/// member is either in sync (<see cref="Position"/>: it sends the group's shared chunks) or catching up on its own
/// (<see cref="Private"/>: its own Adj-RIB-Out, encoded for it alone): at first (the whole table and End-of-RIB), after
/// a route refresh, or after falling too far behind; it rejoins the group once it has sent everything.
/// Fields are guarded by the RIB lock, except the catch-up encoder, which only the session's writer touches.
/// </summary>
internal sealed class RibMember(RibSource source, UpdateGroup group, Action signal)
{
    /// <summary>Shared chunks that were already in the log when the member left the stream: sent before its own.</summary>
    private readonly Queue<OutChunk> _leftBehind = new();
    private IEnumerator<OutChunk>? _catchUp;
    /// <summary>Chunks of this batch or older are not for this member (it rejoined while the batch was half encoded).</summary>
    private long _skipBatch;

    public RibSource Source { get; } = source;
    /// <summary>Changes only when the peer's export policy does (<see cref="UpdateGroup.MoveTo"/>).</summary>
    public UpdateGroup Group { get; set; } = group;

    /// <summary>In sync: the last shared chunk taken. Null while catching up.</summary>
    public OutChunk? Position { get; private set; }

    /// <summary>Catching up: this member's own Adj-RIB-Out. Null while in sync.</summary>
    public AdjRibOut? Private { get; private set; } = new();

    public bool HasPending => Private?.HasPending ?? Group.Out.HasPending;

    /// <summary>Routes the peer has from us (or is about to): in sync, the group's less the peer's own.</summary>
    public int Advertised => Private?.Count ?? Group.Out.Count - Group.Out.CountFrom(Source);

    public bool CanRejoin => Private is { HasPending: false } && _leftBehind.Count == 0;

    /// <summary>Tells the session's writer that there is something to send.</summary>
    public void Signal() => signal();

    /// <summary>What this member's peer should have for <paramref name="prefix"/>: the group's choice, except its own routes.</summary>
    public ExportedRoute? Select(Prefix prefix, Candidate? best)
        => best is { } c && ReferenceEquals(c.Source, Source) ? null : Group.Select(prefix, best);

    /// <summary>Queues the whole table and End-of-RIB for a new member; a group's first member loads the group's table
    /// too, with nothing queued there, since nobody is in sync yet (RIB lock).</summary>
    public void Start(IEnumerable<(Prefix Prefix, Candidate Best)> table, bool loadGroup)
    {
        foreach (var (prefix, best) in table)
        {
            if (loadGroup)
                Group.Out.Set(prefix, Group.Select(prefix, best));
            Private!.Set(prefix, Select(prefix, best));
        }
        if (loadGroup)
            Group.Out.DiscardPending();
        Private!.QueueEndOfRib(Group.Key.Family);
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
    /// signalled when there is). Called by the writer only.</summary>
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
            bool catchingUp;
            lock (Group.RibLock)
            {
                if (_leftBehind.TryDequeue(out var behind))
                    return behind;
                if (Private is { } own)
                {
                    catchingUp = true;
                    if (own.HasPending)
                    {
                        _catchUp = ChunkEncoder.Encode(own.Take(), Group.Key.FourOctetAs, 0).GetEnumerator();
                        continue;
                    }
                }
                else
                {
                    catchingUp = false;
                    while (Position!.Next is { } next)
                    {
                        Position = next;
                        if (next.Batch > _skipBatch)
                            return next;
                    }
                }
            }
            if (!(catchingUp ? Group.TryRejoin(this) : Group.TryEncode(this)))
                return null;
        }
    }
}
