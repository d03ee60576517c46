using System.Net;
using L3Net.Bgp;
using L3Net.Bgp.Wire;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>One speaker (AS 65002) and two raw peers for the whole table: an external one (AS 65001, 10.0.0.1) and
/// an internal one (AS 65002, 10.0.0.11). A row that resets its session marks it down, and that peer's next row
/// re-handshakes; a row that fails half-way drops the connection so the next one starts clean.</summary>
public sealed class Rfc7606Session : IAsyncLifetime
{
    public const string InternalV4 = "10.0.0.11";
    private readonly PeeringFabric _fabric = new();
    private readonly Dictionary<bool, Peer> _peers = [];

    private sealed class Peer(RawPeer raw, uint asn, string address)
    {
        public RawPeer Raw { get; } = raw;
        public uint As { get; } = asn;
        public IPAddress Address { get; } = IPAddress.Parse(address);
        public bool Up { get; set; }
    }

    internal BgpSpeaker Speaker { get; private set; } = null!;

    internal RawPeer Raw(bool @internal) => _peers[@internal].Raw;

    public async ValueTask InitializeAsync()
    {
        _fabric.Tor.Ip("addr", "add", $"{InternalV4}/24", "dev", "node");
        _peers[false] = new Peer(new RawPeer(_fabric.Tor, PeeringFabric.TorV4), 65001, PeeringFabric.TorV4);
        _peers[true] = new Peer(new RawPeer(_fabric.Tor, InternalV4), 65002, InternalV4);
        // The raw peers send no KEEPALIVEs of their own: with ours at 240 s the hold time is their OPEN's 90 s, longer
        // than the whole table takes.
        Speaker = await SpeakerFixture.StartAsync(_fabric.Node, 65002, PeeringFabric.NodeV4(0),
            _peers.Values.Select(p => new PeerConfig { Address = p.Address, RemoteAs = p.As }),
            tweak: o => o with { HoldTime = TimeSpan.FromSeconds(240) });
        foreach (var @internal in _peers.Keys)
            await EnsureEstablishedAsync(@internal);
    }

    public async Task EnsureEstablishedAsync(bool @internal)
    {
        var peer = _peers[@internal];
        bool Established() => Speaker.Peers.Single(p => p.Address.Equals(peer.Address)).State == BgpState.Established;
        if (peer.Up && Established())
            return;
        await peer.Raw.HandshakeAsync(peer.As, peer.Address.ToString());
        await Eventually.AssertAsync(Established, TimeSpan.FromSeconds(15), $"session with {peer.Address} Established", Speaker.Describe);
        peer.Up = true;
    }

    /// <summary>The session ended (by the row, or the row failed): close our end so the speaker reconnects.</summary>
    public void MarkDown(bool @internal)
    {
        _peers[@internal].Up = false;
        _peers[@internal].Raw.Disconnect();
    }

    public async ValueTask DisposeAsync()
    {
        await Speaker.DisposeAsync();
        foreach (var peer in _peers.Values)
            peer.Raw.Dispose();
        _fabric.Dispose();
    }
}

/// <summary>
/// <see cref="Rfc7606Table"/> row by row over a real TCP session: the raw peer installs the row's prefix with a good
/// UPDATE, sends the row's malformed UPDATE for it, then (unless the row resets the session) a good UPDATE for a
/// second prefix. The speaker handles UPDATEs in order, so once the second prefix is installed the malformed one has
/// been applied, and the session is still up: the first prefix is then checked against the row's outcome.
/// </summary>
public sealed class Rfc7606Tests(Rfc7606Session session) : IClassFixture<Rfc7606Session>
{
    public static TheoryData<string> Rows => new(Rfc7606Table.Rows.Select(r => r.Name));

    private static byte[] GoodUpdate(string prefix) => RawPeer.UpdateMessage(RawPeer.UpdateBody([], Rfc7606Table.Good, Rfc7606Table.Nlri(prefix)));

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Row(string name)
    {
        var row = Rfc7606Table.Rows.Single(r => r.Name == name);
        var (prefix, barrier) = Rfc7606Table.PrefixesOf(row);
        var speaker = session.Speaker;
        var raw = session.Raw(row.Internal);
        await session.EnsureEstablishedAsync(row.Internal);
        try
        {
            raw.Send(GoodUpdate(prefix));
            await speaker.WaitRouteAsync(prefix, PeeringFabric.TorV4);
            raw.Send(RawPeer.UpdateMessage(row.Update(Rfc7606Table.Nlri(prefix))));
            if (row.Outcome == Rfc7606Outcome.SessionReset)
            {
                var notification = raw.ReceiveNotification();
                session.MarkDown(row.Internal);
                Assert.NotNull(notification);
                Assert.Equal((BgpError.UpdateMessage, row.Subcode), (notification.Code, notification.Subcode));
                await Eventually.AssertAsync(() => !speaker.HasRoute(prefix), TimeSpan.FromSeconds(10), "routes gone with the session", speaker.Describe);
                return;
            }
            raw.Send(GoodUpdate(barrier));
            await speaker.WaitRouteAsync(barrier, PeeringFabric.TorV4);
            Assert.Equal(BgpState.Established, speaker.Peers.Single(p => p.Address.Equals(raw.Address)).State);
            var route = speaker.Route(IPNetwork.Parse(prefix));
            if (row.Outcome == Rfc7606Outcome.TreatAsWithdraw)
                Assert.True(route is null, $"{name}: {prefix} should be withdrawn\n{speaker.Describe()}");
            else
            {
                Assert.True(route is not null, $"{name}: {prefix} should be installed\n{speaker.Describe()}");
                Assert.True(row.Kept!(route), $"{name}: installed route {route}");
            }
        }
        catch
        {
            session.MarkDown(row.Internal);
            throw;
        }
    }

    public const string DocHeading = "## RFC 7606 error handling, tested row by row";

    /// <summary>The table in docs/reliability.md is this table's rendering, row for row, so doc and test cannot drift.</summary>
    [Fact]
    public void The_reliability_doc_lists_every_row()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "L3Net.sln")))
            dir = dir.Parent;
        var doc = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "reliability.md"));
        var section = doc.SkipWhile(l => l != DocHeading).Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal));
        var documented = section.Where(l => l.StartsWith("| ", StringComparison.Ordinal) && l.EndsWith("` |", StringComparison.Ordinal)).ToList();
        var rendered = Rfc7606Table.Rows.Select(r => r.MarkdownLine).ToList();
        Assert.True(rendered.SequenceEqual(documented),
            $"the table under '{DocHeading}' in docs/reliability.md must be, row for row:\n{string.Join('\n', rendered)}");
    }
}
