using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using L3Net.Bgp.Fsm;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp;

/// <summary>
/// A BGP-4 speaker: sessions to the configured peers, the RIBs, and a stream of Loc-RIB changes for the dataplane.
/// It knows nothing of the kernel: the caller originates prefixes with <see cref="SetOriginated"/> and installs what
/// <see cref="RouteChanges"/> reports.
/// </summary>
public sealed class BgpSpeaker : IAsyncDisposable
{
    /// <summary>One shared set for every prefix we own: IGP origin, empty path; export adds next hop and the rest.</summary>
    private static readonly PathAttributes Originated = new() { Origin = Origin.Igp };
    private readonly SpeakerContext _ctx;
    private readonly RibSource _local;
    /// <summary>What <see cref="SetOriginated"/> last put in the RIB, with the attributes it went with (RIB lock).</summary>
    private readonly Dictionary<Prefix, PathAttributes> _originated = [];
    /// <summary>One attribute set per distinct community list, kept across calls so that an unchanged prefix keeps
    /// the very same set (the RIB compares by reference) and prefixes that share communities share UPDATEs.</summary>
    private Dictionary<string, PathAttributes> _originatedSets = [];
    private readonly Dictionary<(IPAddress, int), Peer> _peers = [];
    /// <summary>Neighbours <see cref="HoldDown"/> keeps down, and why (guarded by the <see cref="_peers"/> lock).</summary>
    private readonly Dictionary<IPAddress, string> _heldDown = [];
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Task _accept = Task.CompletedTask;
    private volatile bool _originatedKnown;

    public BgpSpeaker(SpeakerOptions options)
    {
        if (options.RouterId.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException("the router ID must be an IPv4 address", nameof(options));
        _ctx = new SpeakerContext(options) { RestartProgress = CheckRestartDone };
        _local = RibSource.Local(options.RouterId, options.LocalAs);
        lock (_ctx.Rib.Lock)
            _ctx.Rib.AddSource(_local);
    }

    public SpeakerOptions Options => _ctx.Options;

    /// <summary>The port actually listened on (useful with <see cref="SpeakerOptions.ListenPort"/> 0).</summary>
    public int LocalPort => (_listener?.LocalEndPoint as IPEndPoint)?.Port ?? 0;

    public ChannelReader<LocRibChange> RouteChanges => _ctx.Rib.Changes;

    public IReadOnlyList<PeerState> Peers
    {
        get
        {
            lock (_peers)
                return _peers.Values.Select(p => p.Snapshot()).OrderBy(p => p.Address.ToString(), StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The learned routes in the Loc-RIB with their next hops (our own prefixes excluded).</summary>
    public IReadOnlyList<(IPNetwork Prefix, IReadOnlyList<IPAddress> NextHops)> LocRib
    {
        get
        {
            lock (_ctx.Rib.Lock)
                return _ctx.Rib.Snapshot();
        }
    }

    /// <summary>The Loc-RIB route for <paramref name="prefix"/> with its attributes as received (ORIGINATOR_ID,
    /// CLUSTER_LIST, AS_PATH...): for status and tests. Null when there is none.</summary>
    public PathAttributes? Route(IPNetwork prefix)
    {
        lock (_ctx.Rib.Lock)
            return _ctx.Rib.Best(Prefix.FromNetwork(prefix));
    }

    public Task StartAsync(CancellationToken ct = default)
    {
        if (_ctx.Restarting)
            _ = Task.Delay(_ctx.Options.SelectionDeferralTime, _stop.Token).ContinueWith(
                t => { if (!t.IsCanceled) _ctx.ReleaseUpdates("selection deferral timer expired"); }, TaskScheduler.Default);
        if (_ctx.Options.ListenPort >= 0)
        {
            _listener = CreateListener();
            _accept = Task.Run(AcceptLoopAsync, CancellationToken.None);
        }
        lock (_peers)
            foreach (var peer in _peers.Values)
                if (_listener is null || peer.Config.Password is null || TrySetListenerKey(peer))
                    peer.Start(); // keys of peers configured before the listener existed go on it now
        return Task.CompletedTask;
    }

    private Socket CreateListener()
    {
        var address = _ctx.Options.ListenAddress ?? IPAddress.IPv6Any;
        var socket = _ctx.CreateSocket(address.AddressFamily);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && _ctx.Options.ListenAddress is null)
                socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, _ctx.Options.ListenPort));
            socket.Listen(256);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                    return;
                continue;
            }
            var remote = SocketSetup.Normalize(((IPEndPoint)client.RemoteEndPoint!).Address);
            Peer? peer;
            lock (_peers)
                peer = _peers.Values.FirstOrDefault(p => p.Config.Address.Equals(remote));
            if (peer is null)
            {
                _ctx.Log($"refused connection from {remote}: not a configured peer");
                client.Dispose();
                continue;
            }
            client.NoDelay = true;
            peer.Offer(client);
        }
    }

    /// <summary>Reconciles the neighbours: new ones start, removed ones get a Cease (peer de-configured), changed ones
    /// restart; a neighbour whose route policy alone changed gets it on its live sessions (<see cref="PeerConfig.SamePolicy"/>);
    /// sessions whose configuration is unchanged are not touched.</summary>
    public void SetPeers(IEnumerable<PeerConfig> peers)
    {
        var wanted = peers.ToDictionary(p => (p.Address, p.Port));
        List<Peer> stopped = [];
        List<(Peer Peer, PeerConfig Config)> repolicied = [];
        lock (_peers)
        {
            foreach (var address in _heldDown.Keys.Where(a => !wanted.Keys.Any(k => k.Address.Equals(a))).ToList())
                _heldDown.Remove(address);
            foreach (var (key, peer) in _peers.ToList())
                // A neighbour its prefix limit disabled has no session to keep: a policy change starts it afresh.
                if (!wanted.TryGetValue(key, out var config) || !config.Equals(peer.Config)
                    || (peer.DisabledByPrefixLimit && !config.SamePolicy(peer.Config)))
                {
                    _peers.Remove(key);
                    stopped.Add(peer);
                }
            foreach (var (key, config) in wanted)
            {
                if (_peers.TryGetValue(key, out var running))
                {
                    if (!config.SamePolicy(running.Config))
                        repolicied.Add((running, config));
                    continue;
                }
                var peer = new Peer(config, _ctx);
                _peers[key] = peer;
                if (_heldDown.TryGetValue(config.Address, out var held))
                    peer.HoldDown(held);
                if (_listener is not null && config.Password is not null && !TrySetListenerKey(peer))
                    continue;
                if (_listener is not null || _ctx.Options.ListenPort < 0)
                    peer.Start();
            }
        }
        CheckRestartDone();
        foreach (var (peer, config) in repolicied)
            peer.UpdatePolicy(config);
        foreach (var peer in stopped)
        {
            var stillWanted = wanted.ContainsKey((peer.Config.Address, peer.Config.Port));
            if (_listener is not null && peer.Config.Password is not null && !stillWanted)
                SocketSetup.SetMd5(_listener, peer.Config.Address, null);
            _ = peer.StopAsync(stillWanted ? BgpSubcode.OtherConfigurationChange : BgpSubcode.PeerDeconfigured);
        }
    }

    /// <summary>RFC 5882 4.3: BFD saw the path to <paramref name="address"/> fail. Its sessions end at once with a Cease
    /// (subcode BFD Down, RFC 9384), their routes leave the RIB as for any closed session, and the neighbour neither
    /// connects nor accepts until released with a null <paramref name="reason"/> (BFD Up again).</summary>
    public void HoldDown(IPAddress address, string? reason)
    {
        lock (_peers)
        {
            if (reason is null && !_heldDown.Remove(address))
                return;
            if (reason is not null)
                _heldDown[address] = reason;
            foreach (var peer in _peers.Values.Where(p => p.Config.Address.Equals(address)))
                peer.HoldDown(reason);
        }
    }

    /// <summary>RFC 2385 on the listening socket too, or the kernel drops the peer's signed SYNs. Fails closed: when the
    /// kernel refuses the key the neighbour is disabled, so an unsigned connection from its address is never served.</summary>
    private bool TrySetListenerKey(Peer peer)
    {
        try
        {
            SocketSetup.SetMd5(_listener!, peer.Config.Address, peer.Config.Password);
            return true;
        }
        catch (Md5KeyException e)
        {
            peer.Disable(e.Message);
            return false;
        }
    }

    /// <summary>The prefixes this node owns and announces (blocks, borrowed /32s), each with the communities of every
    /// <paramref name="communities"/> entry whose cidr contains it. Replaces the previous set.</summary>
    public void SetOriginated(IEnumerable<IPNetwork> prefixes, IReadOnlyList<PrefixCommunities>? communities = null)
    {
        var sets = new Dictionary<string, PathAttributes>();
        var wanted = new Dictionary<Prefix, PathAttributes>();
        foreach (var prefix in prefixes.Select(Prefix.FromNetwork))
            wanted[prefix] = AttributesFor(prefix, communities ?? [], sets);
        lock (_ctx.Rib.Lock)
        {
            foreach (var prefix in _originated.Keys.Where(p => !wanted.ContainsKey(p)).ToList())
            {
                _ctx.Rib.Withdraw(_local, prefix);
                _originated.Remove(prefix);
            }
            foreach (var (prefix, attributes) in wanted)
                if (!_originated.TryGetValue(prefix, out var had) || !ReferenceEquals(had, attributes))
                {
                    _originated[prefix] = attributes;
                    _ctx.Rib.Announce(_local, prefix, attributes);
                }
            _ctx.Rib.Commit();
        }
        _originatedSets = sets;
        _originatedKnown = true;
        CheckRestartDone();
    }

    private PathAttributes AttributesFor(Prefix prefix, IReadOnlyList<PrefixCommunities> communities, Dictionary<string, PathAttributes> sets)
    {
        List<uint> standard = [];
        List<LargeCommunity> large = [];
        foreach (var entry in communities)
            if (Prefix.FromNetwork(entry.Cidr).Contains(prefix))
            {
                standard.AddRange(entry.Standard.Except(standard));
                large.AddRange(entry.Large.Except(large));
            }
        if (standard.Count == 0 && large.Count == 0)
            return Originated;
        var key = string.Join(',', standard) + "|" + string.Join(',', large);
        if (!sets.TryGetValue(key, out var set))
            sets[key] = set = _originatedSets.TryGetValue(key, out var kept) ? kept : Originated with
            {
                Communities = new ValueArray<uint>([.. standard]),
                LargeCommunities = new ValueArray<LargeCommunity>([.. large]),
            };
        return set;
    }

    /// <summary>RFC 4724 4.1: a restarting speaker sends its routes once it knows what it owns and every peer has sent
    /// its End-of-RIB (the selection deferral timer, started in <see cref="StartAsync"/>, bounds the wait).</summary>
    private void CheckRestartDone()
    {
        if (!_ctx.Restarting || !_originatedKnown)
            return;
        lock (_peers)
            if (!_peers.Values.All(p => p.RestartSettled))
                return;
        _ctx.ReleaseUpdates("End-of-RIB received from every peer");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Dispose();
        List<Peer> peers;
        lock (_peers)
        {
            peers = [.. _peers.Values];
            _peers.Clear();
        }
        byte? cease = _ctx.Options.StopLeavesRoutes && _ctx.Options.GracefulRestartTime is not null ? null : BgpSubcode.AdministrativeShutdown;
        await Task.WhenAll(peers.Select(p => p.StopAsync(cease)));
        try { await _accept; } catch (OperationCanceledException) { }
        _ctx.Rib.CompleteChanges();
    }
}
