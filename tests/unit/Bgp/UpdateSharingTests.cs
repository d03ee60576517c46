using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;
using L3Net.Tests.Bgp;
using Xunit;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>Update groups encode once for every member in sync, and their table once for the members joining together;
/// members that refresh or fall behind catch up on their own and come back.</summary>
public sealed class UpdateSharingTests
{
    private readonly RibHarness _rib = new();

    [Fact]
    public void Members_in_sync_send_the_same_chunk_encoded_once()
    {
        var group = _rib.Group(RibHarness.ClientKey());
        var peers = Enumerable.Range(1, 3).Select(n => _rib.Join(group, n)).ToList();
        peers.ForEach(p => p.Pull()); // the (empty) table and End-of-RIB, then the group's stream
        var before = group.ChunksEncoded;

        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 2000), med: 7);
        peers.ForEach(p => p.Chunks.Clear());
        peers.ForEach(p => p.Pull());

        var encoded = group.ChunksEncoded - before;
        Assert.True(encoded >= 1);
        Assert.All(peers, p => Assert.Equal(encoded, p.Chunks.Count));
        for (var i = 0; i < encoded; i++)
            Assert.All(peers, p => Assert.Same(peers[0].Chunks[i], p.Chunks[i]));
        Assert.All(peers, p => Assert.Equal(_rib.Expected(p), p.View));
    }

    [Fact]
    public void A_reflected_route_is_in_the_shared_chunk_but_not_sent_back_to_its_source()
    {
        var group = _rib.Group(RibHarness.ClientKey());
        var (a, b) = (_rib.Join(group, 1), _rib.Join(group, 2));
        a.Pull();
        b.Pull();

        _rib.Set(a.Member.Source, RibHarness.Range(201, 0, 3), med: 1);
        a.Pull();
        b.Pull();

        Assert.Same(a.Chunks[^1], b.Chunks[^1]);
        Assert.Empty(a.Routes);
        Assert.Equal(3, b.Routes.Count);
        Assert.All(b.Routes.Values, r => Assert.Equal(a.Member.Source.RouterId, r.OriginatorId));
        Assert.Equal((0, 3), (a.Member.Advertised, b.Member.Advertised));
    }

    [Fact]
    public void Keys_that_change_the_bytes_make_separate_groups_with_their_own_bytes()
    {
        Assert.Equal(RibHarness.ClientKey(), RibHarness.ClientKey());
        Assert.NotEqual(RibHarness.ClientKey(), RibHarness.ClientKey(fourOctetAs: false));

        var (four, two) = (_rib.Group(RibHarness.ClientKey()), _rib.Group(RibHarness.ClientKey(fourOctetAs: false)));
        var peers = new[] { _rib.Join(four, 1), _rib.Join(two, 2) };
        foreach (var p in peers)
            p.Pull();
        var asPath = new PathAttributes { AsPath = new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>([70000]))])) };
        lock (_rib.Engine.Lock)
        {
            foreach (var prefix in RibHarness.Range(100, 0, 2).Concat(RibHarness.Range(100, 300, 1)))
                _rib.Engine.Announce(_rib.Local, prefix, asPath);
            _rib.Engine.Commit();
        }
        foreach (var p in peers)
            p.Pull();

        // A 4-byte AS in a 2-octet session becomes AS_TRANS with AS4_PATH beside it (RFC 6793): other bytes, same path.
        Assert.NotEqual(peers[0].Chunks[^1].Data, peers[1].Chunks[^1].Data);
        Assert.Equal(peers[0].Routes.Values.First().AsPath, peers[1].Routes.Values.First().AsPath);
        Assert.Equal(3, peers[0].Routes.Count);
    }

    [Fact]
    public void A_late_joiner_gets_the_whole_table_and_End_of_RIB_then_shares_the_stream()
    {
        var group = _rib.Group(RibHarness.ClientKey());
        var early = _rib.Join(group, 1);
        early.Pull();
        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 500), med: 1);
        _rib.Set(early.Member.Source, RibHarness.Range(201, 0, 5), med: 2);
        early.Pull();

        var late = _rib.Join(group, 2);
        late.Pull();
        Assert.Equal(1, late.EndOfRibs);
        Assert.Equal(_rib.Expected(late), late.View);
        Assert.NotNull(late.Member.Position);

        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 10), med: null);
        early.Pull();
        late.Pull();
        Assert.Same(early.Chunks[^1], late.Chunks[^1]);
        Assert.Equal(_rib.Expected(late), late.View);
        Assert.Equal(_rib.Expected(early), early.View);
    }

    [Fact]
    public void Members_joining_together_share_one_encoding_of_the_table()
    {
        var group = _rib.Group(RibHarness.ClientKey());
        var first = _rib.Join(group, 1);
        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 20000), med: 3);
        _rib.Set(first.Member.Source, RibHarness.Range(201, 0, 50), med: 4);
        first.Pull();
        var (tables, chunks) = (group.TablesEncoded, group.ChunksEncoded);

        var joiners = Enumerable.Range(2, 50).Select(n => _rib.Join(group, n)).ToList();
        joiners.ForEach(p => p.Pull());

        Assert.Equal(tables + 1, group.TablesEncoded);
        var tableChunks = group.ChunksEncoded - chunks;
        Assert.True(tableChunks > 1, $"{tableChunks} chunks"); // 20,050 routes do not fit one
        Assert.All(joiners, p =>
        {
            Assert.Equal(tableChunks, p.Chunks.Count);
            Assert.Equal(1, p.EndOfRibs);
            Assert.Equal(_rib.Expected(p), p.View);
            for (var i = 0; i < tableChunks; i++)
                Assert.Same(joiners[0].Chunks[i], p.Chunks[i]);
        });
    }

    [Fact]
    public void A_table_reused_after_changes_and_the_log_after_it_end_where_the_group_is()
    {
        var group = _rib.Group(RibHarness.ClientKey());
        var early = _rib.Join(group, 1);
        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 3000), med: 1);
        early.Pull();
        var a = _rib.Join(group, 2);
        Assert.Equal(1, a.Pull(max: 1)); // partway through the table
        var tables = group.TablesEncoded;

        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 100), med: null);
        _rib.Set(_rib.Local, RibHarness.Range(100, 5000, 200), med: 2);
        _rib.Set(early.Member.Source, RibHarness.Range(201, 0, 10), med: 5);
        early.Pull();
        var b = _rib.Join(group, 3); // the log since a's table is short: b gets the same one
        a.Pull();
        b.Pull();

        Assert.Equal(tables, group.TablesEncoded);
        Assert.Same(a.Chunks[0], b.Chunks[0]);
        foreach (var p in new[] { early, a, b })
            Assert.Equal(_rib.Expected(p), p.View);

        // Once the log since the table outgrows the table, the next joiner gets a table of its own.
        for (var round = 0; round < 40; round++)
        {
            _rib.Set(_rib.Local, RibHarness.Range(100, 0, 3000), med: (uint)(10 + round));
            early.Pull();
            a.Pull();
            b.Pull();
        }
        var c = _rib.Join(group, 4);
        c.Pull();
        Assert.Equal(tables + 1, group.TablesEncoded);
        Assert.Equal(_rib.Expected(c), c.View);
    }

    [Fact]
    public void A_table_is_not_reused_after_changes_that_bypassed_the_log()
    {
        // Every member catching up on its own: changes go to their Adj-RIBs-Out, and the group's queue is dropped
        // when the first of them rejoins, so the log since the table misses them and a joiner needs a new table.
        var group = _rib.Group(RibHarness.ClientKey());
        var peers = Enumerable.Range(1, 2).Select(n => _rib.Join(group, n)).ToList();
        foreach (var p in peers)
            group.Refresh(p.Member, Afi.IPv4);
        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 20), med: 1);
        peers[0].Pull();
        var late = _rib.Join(group, 3);
        foreach (var p in peers.Append(late))
        {
            p.Pull();
            Assert.Equal(_rib.Expected(p), p.View);
        }
    }

    [Fact]
    public void Route_refresh_resends_the_table_to_that_member_only()
    {
        var group = _rib.Group(RibHarness.ClientKey());
        var (a, b) = (_rib.Join(group, 1), _rib.Join(group, 2));
        _rib.Set(_rib.Local, RibHarness.Range(100, 0, 300), med: 1);
        a.Pull();
        b.Pull();
        a.Routes.Clear();

        group.Refresh(a.Member, Afi.IPv4);

        Assert.True(a.Pull() > 0);
        Assert.Equal(_rib.Expected(a), a.View);
        Assert.Equal(0, b.Pull());
        Assert.NotNull(a.Member.Position); // back in the stream
    }

    [Fact]
    public void A_member_that_stops_reading_leaves_the_stream_while_the_others_keep_receiving()
    {
        var group = _rib.Group(RibHarness.ClientKey(), maxLagBytes: 4096);
        var (fast, blocked) = (_rib.Join(group, 1), _rib.Join(group, 2));
        fast.Pull();
        blocked.Pull();

        for (var round = 0; round < 40; round++)
        {
            _rib.Set(_rib.Local, RibHarness.Range(100, round * 50, 50), med: (uint)round);
            if (round % 3 == 0)
                _rib.Set(_rib.Local, RibHarness.Range(100, round * 25, 20), med: null);
            fast.Pull();
            Assert.Equal(_rib.Expected(fast), fast.View);
        }

        Assert.Null(blocked.Member.Position);
        Assert.NotNull(blocked.Member.Private);
        blocked.Pull();
        Assert.Equal(_rib.Expected(blocked), blocked.View);
        Assert.NotNull(blocked.Member.Position);
    }
}
