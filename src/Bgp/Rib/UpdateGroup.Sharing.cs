using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>
/// Encode once, send to all (the update groups of FRR, without its subgroups): the group keeps one Adj-RIB-Out for the
/// members in sync and encodes its changes, a chunk at a time, into a log (<see cref="OutChunk"/>) that every such
/// member sends from its own cursor. A joiner sends a recent encoding of the whole table (<see cref="TableEncoding"/>,
/// shared by everyone joining while it is recent) and goes on from the log where that table was taken. Encoding is done by whichever member's writer runs out of chunks first, so the
/// log grows at the pace of the fastest member; a member more than <see cref="MaxLagBytes"/> behind the newest chunk
/// leaves the stream (<see cref="Detach"/>) instead of holding the log in memory or anyone back. Members asking for a
/// route refresh or left behind catch up on their own Adj-RIB-Out and rejoin once it is drained.
/// Locks, always in this order: <c>_encodeLock</c> (one encoder; no batch half encoded while a member moves), then
/// the RIB lock (the Adj-RIBs-Out, the log, every member's position).
/// </summary>
internal sealed partial class UpdateGroup
{
    private readonly object _encodeLock = new();
    private readonly List<RibMember> _members = [];
    private OutChunk _tail = OutChunk.Start();
    private OutBatch? _encodingBatch;
    private IEnumerator<OutChunk>? _encoding;
    private long _batchId;
    /// <summary>The table as the last joiner got it; the next joiner gets it too while it is recent (<see cref="Admit"/>).</summary>
    private TableEncoding? _table;
    /// <summary>Writers that found the encode lock taken and went back to wait: whoever leaves the lock wakes them.</summary>
    private readonly List<RibMember> _waiting = [];

    public object RibLock { get; } = ribLock;

    /// <summary>What the group has told, or is about to tell, its members in sync (RIB lock).</summary>
    public AdjRibOut Out { get; private set; } = new();

    /// <summary>How far (bytes of encoded UPDATEs) a member in sync may fall behind before it leaves the stream: the
    /// most a group's log holds. A member catching up costs a copy of the table, so this is generous (a million /24s
    /// with a few attribute sets encode to about 5 MB).</summary>
    public long MaxLagBytes { get; init; } = 16L << 20;

    /// <summary>Chunks this group has encoded for its members (its log and its tables for joiners): one per chunk,
    /// however many members send it.</summary>
    public int ChunksEncoded { get; private set; }

    /// <summary>Times this group has encoded its whole table for members joining.</summary>
    public int TablesEncoded { get; private set; }

    /// <summary>Adds a member (RIB lock); true when it is the first, and the caller must load <see cref="Out"/> with the
    /// table as it stands (nobody is in sync yet, so nothing of it is queued).</summary>
    public bool AddMember(RibMember member)
    {
        _members.Add(member);
        return _members.Count == 1;
    }

    /// <summary>Puts a new member in the stream (RIB lock): it sends the whole table and End-of-RIB first. The table
    /// the last joiner got is reused while the log since it is no longer than the table itself (so a joiner replays at
    /// most about a table's worth of changes, and a group's clients all connecting at once share one encoding); after
    /// that a new one is taken.</summary>
    public void Admit(RibMember member)
    {
        if (_table is not { } table || _tail.End - table.At.End > Math.Max(ChunkEncoder.ChunkBytes, table.Bytes))
        {
            _table = table = new TableEncoding(Out.Whole(Key.Family), Key.FourOctetAs, _tail, _batchId);
            TablesEncoded++;
        }
        member.Join(table);
    }

    /// <summary>Called by a joiner's writer that has sent every chunk of <paramref name="table"/> encoded so far:
    /// encodes the next unless another writer holds the encode lock (which signals this one when it leaves). True when
    /// the caller should look for a chunk again.</summary>
    public bool TryEncodeTable(RibMember member, TableEncoding table)
    {
        if (!TryEnterEncode(member))
            return false;
        try
        {
            lock (RibLock)
                if (table.Complete)
                    return true;
            var chunk = table.EncodeNext(); // outside the RIB lock
            lock (RibLock)
            {
                table.Add(chunk);
                if (chunk is not null)
                    ChunksEncoded++;
            }
            return true;
        }
        finally
        {
            ExitEncode();
        }
    }

    /// <summary>Removes a member (RIB lock); true when it was the last: the group then forgets its table and log.</summary>
    public bool RemoveMember(RibMember member)
    {
        _members.Remove(member);
        if (_members.Count > 0)
            return false;
        Out = new AdjRibOut();
        _tail = OutChunk.Start();
        _table = null;
        _encoding = null; // an encoder still running notices and drops its chunk
        _encodingBatch = null;
        return true;
    }

    /// <summary>Called by a member's writer that has sent every chunk there is: encodes the next chunk unless another
    /// writer is doing so (which signals this one when it is done). True when the caller should look for a chunk again.</summary>
    public bool TryEncode(RibMember member)
    {
        lock (RibLock)
            if (_encoding is null && !Out.HasPending)
                return false; // nothing to do: do not even contend for the lock
        if (!TryEnterEncode(member))
            return false;
        try
        {
            IEnumerator<OutChunk> encoding;
            lock (RibLock)
            {
                if (_encoding is null)
                {
                    if (!Out.HasPending)
                        return false;
                    _encodingBatch = Out.Take();
                    _encoding = ChunkEncoder.Encode(_encodingBatch, Key.FourOctetAs, ++_batchId).GetEnumerator();
                }
                encoding = _encoding;
            }
            var chunk = encoding.MoveNext() ? encoding.Current : null; // encoded outside the RIB lock
            lock (RibLock)
            {
                if (!ReferenceEquals(encoding, _encoding))
                    chunk = null; // the group emptied meanwhile
                else if (chunk is null)
                    (_encoding, _encodingBatch) = (null, null);
                else
                    Append(chunk);
            }
            if (chunk is null)
                encoding.Dispose();
            return true;
        }
        finally
        {
            ExitEncode();
        }
    }

    /// <summary>Writers never block on the encode lock (they are thread-pool work, and hundreds of them would starve
    /// the pool): a writer that cannot take it is noted, and the holder signals it when it leaves.</summary>
    private bool TryEnterEncode(RibMember member)
    {
        if (Monitor.TryEnter(_encodeLock))
            return true;
        lock (_waiting)
            _waiting.Add(member);
        return Monitor.TryEnter(_encodeLock); // the holder may have left before noting it
    }

    private void ExitEncode()
    {
        Monitor.Exit(_encodeLock);
        RibMember[] waiting;
        lock (_waiting)
        {
            waiting = [.. _waiting];
            _waiting.Clear();
        }
        foreach (var member in waiting)
            member.Signal();
    }

    /// <summary>Links a chunk to the log (both locks held) and signals the members that had taken everything (the
    /// others are busy sending and will find it); members too far behind leave the stream.</summary>
    private void Append(OutChunk chunk)
    {
        var previous = _tail;
        _tail.Link(chunk);
        _tail = chunk;
        ChunksEncoded++;
        foreach (var member in _members)
        {
            if (member.Position is not { } at)
                continue;
            if (ReferenceEquals(at, previous))
                member.Signal();
            else if (previous.End - at.End > MaxLagBytes) // behind the previous chunk, so those taking this one never lag
            {
                Detach(member);
                member.Signal();
            }
        }
    }

    /// <summary>Takes a member in sync out of the stream (both locks held): the chunks it has not sent yet stay its own
    /// (so the log behind it can go), and it goes on from a copy of the group's table with whatever the group has not
    /// encoded yet queued, so it misses nothing.</summary>
    private void Detach(RibMember member)
    {
        IEnumerable<Prefix> unsent = Out.PendingPrefixes;
        if (_encodingBatch is { } half)
            unsent = unsent.Concat(half.Prefixes); // some are in chunks already: sent twice, which is harmless
        member.Leave(AdjRibOut.Fork(Out, member.Source, unsent));
    }

    /// <summary>A member catching up on its own has drained its Adj-RIB-Out: it rejoins the stream at the newest chunk.
    /// Whatever the group is encoding or has queued the member has had already (its own table followed the same
    /// changes); the rest of a half-encoded batch is skipped because it may be older than what the member sent.
    /// False when the encode lock is taken (the member is signalled to try again).</summary>
    public bool TryRejoin(RibMember member)
    {
        if (!TryEnterEncode(member))
            return false;
        try
        {
            lock (RibLock)
            {
                if (!member.CanRejoin)
                    return true; // something came in meanwhile: the member sends it first
                if (!_members.Any(m => m.Position is not null))
                {
                    Out.DiscardPending(); // nobody to send it to: the rejoining member has it all
                    _encoding?.Dispose();
                    (_encoding, _encodingBatch) = (null, null);
                    _table = null; // those changes never reach the log, so the table before them cannot be reused
                }
                member.Join(_tail, _batchId);
                return true;
            }
        }
        finally
        {
            ExitEncode();
        }
    }

    /// <summary>The member's export policy changed (a BGPFilter on a live session): it leaves this group's stream with
    /// its own copy of what it was sent, moves to <paramref name="to"/> and catches up there with the difference, so the
    /// peer gets withdrawals and announcements and the session stays up. Called off the RIB lock.</summary>
    public void MoveTo(RibMember member, UpdateGroup to, RibEngine rib)
    {
        Monitor.Enter(_encodeLock);
        try
        {
            lock (RibLock)
            {
                if (!ReferenceEquals(member.Group, this))
                    return;
                if (member.Position is not null)
                    Detach(member);
                rib.Regroup(member, to);
            }
        }
        finally
        {
            ExitEncode();
        }
        member.Signal();
    }

    /// <summary>Route refresh (RFC 2918): the member gets every route of <paramref name="afi"/> again, on its own.
    /// Called by the session's reader, which may wait for the encode lock.</summary>
    public void Refresh(RibMember member, Afi afi)
    {
        Monitor.Enter(_encodeLock);
        try
        {
            lock (RibLock)
            {
                if (member.Position is not null)
                    Detach(member);
                member.Private!.ResendAll(afi);
            }
        }
        finally
        {
            ExitEncode();
        }
        member.Signal();
    }
}
