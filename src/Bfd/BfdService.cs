using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using L3Net.Bfd.Fsm;
using L3Net.Bfd.Transport;
using L3Net.Bfd.Wire;

namespace L3Net.Bfd;

/// <summary>One single-hop session we want: to <see cref="Peer"/>, sent from <see cref="Local"/>.</summary>
public sealed record BfdPeer(IPAddress Peer, IPAddress Local, BfdTimers Timers);

/// <summary>A session changed state. <see cref="PeerAdminDown"/>: the remote took it down on purpose (RFC 5882 3.2:
/// not a failure, the client keeps its session).</summary>
public sealed record BfdStateChange(IPAddress Peer, BfdState From, BfdState To, BfdDiagnostic Diagnostic, bool PeerAdminDown)
{
    /// <summary>The path failed: the session left Up for a reason other than the remote's Admin Down.</summary>
    public bool IsFailure => From == BfdState.Up && To == BfdState.Down && !PeerAdminDown;
}

/// <summary>One session for status output (like <c>birdc show bfd sessions</c>).</summary>
public sealed record BfdSessionStatus(
    IPAddress Peer,
    IPAddress Local,
    BfdState State,
    BfdState RemoteState,
    BfdDiagnostic Diagnostic,
    DateTimeOffset Since,
    BfdTimers Configured,
    TimeSpan TransmitInterval,
    TimeSpan DetectionTime,
    uint LocalDiscriminator,
    uint RemoteDiscriminator);

public sealed record BfdOptions
{
    /// <summary>Creates the UDP sockets; lets a caller place them in a network namespace.</summary>
    public Func<AddressFamily, Socket> SocketFactory { get; init; } = f => new Socket(f, SocketType.Dgram, ProtocolType.Udp);
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>The families to receive on; IPv6 only where the kernel has it.</summary>
    public IReadOnlyList<AddressFamily> Families { get; init; } = Socket.OSSupportsIPv6
        ? [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6] : [AddressFamily.InterNetwork];
    public Action<string>? Log { get; init; }
}

/// <summary>
/// The BFD sessions of one system (RFC 5880 asynchronous mode over RFC 5881 single-hop UDP): the caller says which
/// peers it wants (<see cref="SetPeers"/>) and reads <see cref="Changes"/>. One lock guards the sessions; the receive
/// threads and the timer loop take it briefly and send under it (a UDP send does not block).
/// </summary>
public sealed class BfdService : IAsyncDisposable
{
    /// <summary>RFC 5881 5: a single-hop packet was sent with TTL 255 and crossed no router.</summary>
    private const int RequiredTtl = 255;
    private readonly BfdOptions _options;
    private readonly UdpTransport _transport;
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, Entry> _sessions = [];
    private readonly Dictionary<uint, Entry> _byDiscriminator = [];
    private readonly Channel<BfdStateChange> _changes = Channel.CreateUnbounded<BfdStateChange>();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<IPAddress, string> _lastDiscard = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ControlPacket> _send = [];
    private readonly byte[] _buffer = new byte[ControlPacket.Length];
    private Task _loop = Task.CompletedTask;
    private bool _started;

    public BfdService(BfdOptions? options = null)
    {
        _options = options ?? new BfdOptions();
        _transport = new UdpTransport(_options.SocketFactory, OnDatagram, m => Log(m));
    }

    public ChannelReader<BfdStateChange> Changes => _changes.Reader;

    public IReadOnlyList<BfdSessionStatus> Sessions
    {
        get
        {
            lock (_lock)
                return [.. _sessions.Values.Where(e => e.RetireAtUs is null).Select(Status).OrderBy(s => s.Peer.ToString(), StringComparer.Ordinal)];
        }
    }

    /// <summary>Opens the receive sockets (port 3784) and starts the timers; <see cref="SetPeers"/> does it on first
    /// use. Throws <see cref="BfdStartException"/> when a socket cannot be opened (another BFD daemon holds the port).</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_started)
                return;
            try
            {
                _transport.Listen(_options.Families);
            }
            catch (SocketException e)
            {
                throw new BfdStartException($"cannot receive on UDP {UdpTransport.ControlPort}: {e.Message}");
            }
            _started = true;
            _loop = Task.Run(TimerLoopAsync);
        }
    }

    /// <summary>Reconciles the sessions: new peers get a session (Down, slow timers), changed timers go to the running
    /// session (a Poll Sequence when Up), a changed local address starts over, and a removed peer is sent Admin Down
    /// for a while (6.8.16), so the remote does not count it as a failure.</summary>
    public void SetPeers(IEnumerable<BfdPeer> peers)
    {
        var wanted = peers.ToDictionary(p => p.Peer);
        if (wanted.Count > 0)
            Start();
        lock (_lock)
        {
            var now = NowUs();
            foreach (var entry in _sessions.Values.ToList())
            {
                if (!wanted.TryGetValue(entry.Config.Peer, out var config) || !config.Local.Equals(entry.Config.Local))
                    Retire(entry, now);
                else if (entry.RetireAtUs is null && config.Timers != entry.Config.Timers)
                {
                    entry.Session.SetTimers(config.Timers, now);
                    entry.Config = config;
                }
            }
            foreach (var config in wanted.Values)
            {
                if (_sessions.TryGetValue(config.Peer, out var existing) && existing.RetireAtUs is null)
                    continue;
                if (existing is not null)
                    Remove(existing);
                var entry = new Entry(config, new BfdSession(NewDiscriminator(), config.Timers, Random.Shared, now), _options.Time.GetUtcNow());
                _sessions[config.Peer] = entry;
                _byDiscriminator[entry.Session.LocalDiscriminator] = entry;
                Log($"session {config.Peer} from {config.Local}: created, {config.Timers}");
            }
        }
        _wake.Writer.TryWrite(true);
    }

    private void Retire(Entry entry, long nowUs)
    {
        if (entry.RetireAtUs is not null)
            return;
        entry.Session.AdminDown(nowUs);
        // Admin Down for three slow intervals: more than the remote's detection time of us while we were not Up.
        entry.RetireAtUs = nowUs + 3 * BfdSession.SlowTxUs;
        Log($"session {entry.Config.Peer}: removed, sending AdminDown");
    }

    private void Remove(Entry entry)
    {
        _sessions.Remove(entry.Config.Peer);
        _byDiscriminator.Remove(entry.Session.LocalDiscriminator);
    }

    private uint NewDiscriminator()
    {
        while (true)
        {
            var d = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
            if (!_byDiscriminator.ContainsKey(d))
                return d;
        }
    }

    private async Task TimerLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            long waitUs;
            List<BfdStateChange> changes = [];
            lock (_lock)
            {
                var now = NowUs();
                var next = now + 1_000_000;
                foreach (var entry in _sessions.Values.ToList())
                {
                    if (entry.RetireAtUs is { } at && now >= at)
                    {
                        Remove(entry);
                        continue;
                    }
                    Run(entry, now, static _ => { }, changes);
                    next = Math.Min(next, entry.Session.NextEventUs);
                }
                waitUs = Math.Max(0, next - now);
            }
            Publish(changes);
            try
            {
                using var delay = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var woken = _wake.Reader.WaitToReadAsync(delay.Token).AsTask();
                await Task.WhenAny(Task.Delay(TimeSpan.FromTicks(waitUs * 10), _options.Time, delay.Token), woken);
                await delay.CancelAsync();
                _wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Applies <paramref name="step"/> to a session, runs its timers, sends what it asks to send, and notes a
    /// state change.</summary>
    private void Run(Entry entry, long nowUs, Action<BfdSession> step, List<BfdStateChange> changes)
    {
        var before = entry.Session.State;
        step(entry.Session);
        entry.Session.Advance(nowUs, _send);
        foreach (var packet in _send)
        {
            packet.WriteTo(_buffer);
            _transport.Send(entry.Config.Local, entry.Config.Peer, _buffer);
        }
        _send.Clear();
        var after = entry.Session.State;
        if (after == before)
            return;
        entry.Since = _options.Time.GetUtcNow();
        var adminDown = entry.Session.RemoteState == BfdState.AdminDown;
        Log($"session {entry.Config.Peer}: {before} -> {after} ({(adminDown ? "peer AdminDown" : entry.Session.LocalDiagnostic.ToString())})");
        if (entry.RetireAtUs is null)
            changes.Add(new BfdStateChange(entry.Config.Peer, before, after, entry.Session.LocalDiagnostic, adminDown));
    }

    private void OnDatagram(Datagram d)
    {
        List<BfdStateChange> changes = [];
        lock (_lock)
        {
            if (!ControlPacket.TryParse(d.Payload.Span, out var packet, out var error))
            {
                Discard(d.From.Address, error!);
                return;
            }
            if (d.Ttl != RequiredTtl)
            {
                Discard(d.From.Address, $"TTL {d.Ttl}, a single-hop session requires {RequiredTtl}");
                return;
            }
            // 6.8.6: by Your Discriminator when set, else (Down/AdminDown packets only) by the source address.
            Entry? entry;
            if (packet.YourDiscriminator != 0)
                _byDiscriminator.TryGetValue(packet.YourDiscriminator, out entry);
            else
                _sessions.TryGetValue(d.From.Address, out entry);
            if (entry is null || !entry.Config.Peer.Equals(d.From.Address))
            {
                Discard(d.From.Address, $"no session for discriminator {packet.YourDiscriminator}");
                return;
            }
            _lastDiscard.Remove(d.From.Address);
            var now = NowUs();
            Run(entry, now, s => s.Receive(packet, now), changes);
        }
        Publish(changes);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Logs a discarded packet once per source and reason, so a misconfigured peer does not flood the log.</summary>
    private void Discard(IPAddress from, string reason)
    {
        if (_lastDiscard.TryGetValue(from, out var last) && last == reason)
            return;
        _lastDiscard[from] = reason;
        Log($"discarded a packet from {from}: {reason}");
    }

    private void Publish(List<BfdStateChange> changes)
    {
        foreach (var change in changes)
            _changes.Writer.TryWrite(change);
    }

    private BfdSessionStatus Status(Entry e) => new(e.Config.Peer, e.Config.Local, e.Session.State, e.Session.RemoteState,
        e.Session.LocalDiagnostic, e.Since, e.Config.Timers, TimeSpan.FromTicks(e.Session.TransmitIntervalUs * 10L),
        TimeSpan.FromTicks(e.Session.DetectionTimeUs * 10), e.Session.LocalDiscriminator, e.Session.RemoteDiscriminator);

    private long NowUs() => (long)((Int128)_options.Time.GetTimestamp() * 1_000_000 / _options.Time.TimestampFrequency);

    private void Log(string message) => _options.Log?.Invoke("bfd: " + message);

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            var now = NowUs();
            foreach (var entry in _sessions.Values.ToList())
                Run(entry, now, s => s.AdminDown(now), []);
        }
        await _stop.CancelAsync();
        try { await _loop; } catch (OperationCanceledException) { }
        _transport.Dispose();
        _changes.Writer.TryComplete();
    }

    private sealed class Entry(BfdPeer config, BfdSession session, DateTimeOffset since)
    {
        public BfdPeer Config { get; set; } = config;
        public BfdSession Session { get; } = session;
        public DateTimeOffset Since { get; set; } = since;
        public long? RetireAtUs { get; set; }
    }
}

/// <summary>The service could not open its sockets; nothing was started.</summary>
public sealed class BfdStartException(string message) : Exception(message);
