using System.Net;
using System.Net.Sockets;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Fsm;

/// <summary>
/// One configured neighbour: connects out (jittered, backed-off connect retry), accepts connections offered by the
/// listener, resolves connection collisions (RFC 4271 6.8), and owns the neighbour's Adj-RIB-In across sessions so
/// that, as a graceful restart helper (RFC 4724), its routes can stay as stale while it restarts.
/// </summary>
internal sealed partial class Peer
{
    private readonly SpeakerContext _ctx;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Session> _sessions = [];
    private readonly RibSource _source;
    /// <summary>Routes the peer sent that we did not take (a loop, or the import filter), with their attributes: the rest of
    /// its Adj-RIB-In, so that a filter change can take them in without the peer sending them again.</summary>
    private readonly Dictionary<Prefix, PathAttributes> _rejected = [];
    private Task _loop = Task.CompletedTask;
    private int _failures;
    private bool _inRib;
    private BgpState _state = BgpState.Idle;
    private DateTimeOffset _since = DateTimeOffset.UtcNow;
    private string? _info;
    private volatile bool _idleHold;
    private volatile string? _disabled;
    private volatile string? _heldDown;

    public Peer(PeerConfig config, SpeakerContext ctx)
    {
        Config = config;
        _ctx = ctx;
        _source = new RibSource(config.Address, config.RemoteAs, Ibgp, config.RouteReflectorClient);
    }

    /// <summary>Replaced only by <see cref="UpdatePolicy"/>, with a configuration that differs in its route policy alone.</summary>
    public PeerConfig Config { get; private set; }
    public PeerCounters Counters { get; } = new();
    public bool Ibgp => Config.RemoteAs == _ctx.LocalAs;

    public void Start()
    {
        if (_disabled is null)
            _loop = Task.Run(RunAsync);
    }

    /// <summary>Keeps the neighbour down for good (its configuration cannot be honoured, e.g. the kernel refused its MD5
    /// key): no connection out, every connection in closed. A new configuration makes a new <see cref="Peer"/>.</summary>
    public void Disable(string reason)
    {
        _disabled = reason;
        _ctx.Log($"peer {Config.Address}: disabled: {reason}");
        Counters.Failed(reason);
        SetState(BgpState.Idle, reason);
    }

    /// <summary>Ends the sessions with a Cease "BFD Down" and keeps the neighbour down until called with null.</summary>
    public void HoldDown(string? reason)
    {
        _heldDown = reason;
        if (reason is null)
            return;
        Session[] sessions;
        lock (this)
            sessions = [.. _sessions];
        foreach (var s in sessions)
            s.Abort(new BgpProtocolException(BgpError.Cease, BgpSubcode.BfdDown, reason));
    }

    public PeerState Snapshot()
    {
        lock (this)
        {
            int accepted, advertised;
            lock (_ctx.Rib.Lock)
            {
                accepted = _source.Accepted;
                advertised = _sessions.FirstOrDefault(s => s.Member is not null)?.Member!.Advertised ?? 0;
            }
            return new PeerState(Config.Address, Config.PeerType, _state, _since, _info, accepted + _rejected.Count, accepted, advertised)
            {
                Counters = Counters.Read(),
            };
        }
    }

    private void SetState(BgpState state, string? info = null)
    {
        lock (this)
        {
            // A collision's losing connection closing (or a new one opening) must not hide the session that is up.
            if (state != BgpState.Established && _sessions.Any(s => s.State == BgpState.Established))
                return;
            if (_state != state)
            {
                _ctx.Log($"peer {Config.Address}: {_state} -> {state}{(info is null ? "" : ": " + info)}");
                _state = state;
                _since = DateTimeOffset.UtcNow;
            }
            if (info is not null)
                _info = info;
        }
    }

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (_disabled is not null)
                    break;
                if (LiveSessions() == 0 && !Config.Passive && !_idleHold && _heldDown is null)
                {
                    SetState(BgpState.Connect);
                    var socket = await ConnectAsync(ct);
                    await RunSessionAsync(socket, outbound: true);
                }
                while (LiveSessions() > 0)
                    await Task.Delay(200, ct);
                if (_heldDown is { } held)
                    SetState(BgpState.Idle, held);
                else if (_state != BgpState.Idle)
                    SetState(BgpState.Active);
                if (_disabled is not null)
                    break;
                await Task.Delay(_idleHold && Config.MaxPrefixesRestartTime is { } idle ? idle : RetryDelay(), ct);
                _idleHold = false;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Md5KeyException e)
            {
                Disable(e.Message);
                break;
            }
            catch (Exception e)
            {
                // Whatever failed (a refused connection, a timeout, a defect), the neighbour keeps trying.
                _failures++;
                Counters.Failed($"connect failed: {e.Message}");
                SetState(BgpState.Active, $"connect failed: {e.Message}");
                try { await Task.Delay(RetryDelay(), ct); } catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>ConnectRetry doubled per consecutive failure up to a minute, with up to 25% jitter so that a fabric of
    /// nodes restarting together does not reconnect in lockstep.</summary>
    private TimeSpan RetryDelay()
    {
        var baseMs = _ctx.Options.ConnectRetryTime.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 6));
        baseMs = Math.Min(baseMs, 60_000);
        return TimeSpan.FromMilliseconds(baseMs * (1 - Random.Shared.NextDouble() * 0.25));
    }

    private async Task<Socket> ConnectAsync(CancellationToken ct)
    {
        var socket = _ctx.CreateSocket(Config.Address.AddressFamily);
        try
        {
            socket.NoDelay = true;
            if (Config.SourceAddress is { } source)
                socket.Bind(new IPEndPoint(source, 0));
            if (Config.Password is not null)
                SocketSetup.SetMd5(socket, Config.Address, Config.Password);
            if (Config.TtlSecurity is { } hops)
                SocketSetup.SetTtlSecurity(socket, hops);
            else if (Config.Multihop is { } ttl)
                socket.Ttl = (short)ttl;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(3, _ctx.Options.ConnectRetryTime.TotalSeconds)));
            await socket.ConnectAsync(new IPEndPoint(Config.Address, Config.Port), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A connection from this neighbour arrived at the listener.</summary>
    public void Offer(Socket socket)
    {
        // Idle after the prefix limit (Restart): the peer's reconnect waits for the restart time like ours does.
        if (_stop.IsCancellationRequested || _disabled is not null || _heldDown is not null || _idleHold)
        {
            socket.Dispose();
            return;
        }
        if (Config.TtlSecurity is { } hops)
            SocketSetup.SetTtlSecurity(socket, hops);
        _ = Task.Run(() => RunSessionAsync(socket, outbound: false));
    }

    private async Task RunSessionAsync(Socket socket, bool outbound)
    {
        var session = new Session(this, socket, outbound, _ctx);
        lock (this)
            _sessions.Add(session);
        SetState(BgpState.OpenSent);
        var reason = "closed";
        try
        {
            reason = await session.RunAsync();
        }
        finally
        {
            OnClosed(session, reason); // the session leaves the list however it ended, or the neighbour never reconnects
        }
    }

    private int LiveSessions()
    {
        lock (this)
            return _sessions.Count;
    }

    /// <summary>RFC 4271 6.8: when both connections reached OPEN, keep the one opened by the higher BGP identifier.</summary>
    public bool ResolveCollision(Session session)
    {
        lock (this)
        {
            var other = _sessions.FirstOrDefault(s => s != session && s.State is BgpState.OpenConfirm or BgpState.Established);
            if (other is not null)
            {
                if (other.State == BgpState.Established)
                    return false;
                var keepOutbound = _ctx.RouterId > session.RemoteOpen!.BgpId;
                if (session.Outbound != keepOutbound)
                    return false;
                other.Abort(new BgpProtocolException(BgpError.Cease, BgpSubcode.ConnectionCollisionResolution, "connection collision"));
            }
            session.State = BgpState.OpenConfirm;
        }
        SetState(BgpState.OpenConfirm);
        return true;
    }

    /// <summary>Stops the neighbour: a Cease to the peer, or with no subcode a bare TCP close (the peer keeps our
    /// routes as stale when graceful restart is on); its routes leave our RIB either way.</summary>
    public async Task StopAsync(byte? ceaseSubcode)
    {
        await _stop.CancelAsync();
        Session[] sessions;
        lock (this)
            sessions = [.. _sessions];
        foreach (var s in sessions)
        {
            if (ceaseSubcode is { } subcode)
                s.Abort(new BgpProtocolException(BgpError.Cease, subcode, "peer stopped"));
            else
                s.Close();
        }
        while (LiveSessions() > 0)
            await Task.Delay(20);
        try { await _loop; } catch (OperationCanceledException) { }
        lock (_ctx.Rib.Lock)
        {
            if (_inRib)
                _ctx.Rib.RemoveSource(_source);
            _inRib = false;
            _ctx.Rib.Commit();
        }
    }
}
