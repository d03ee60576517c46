using L3Net.Bfd.Wire;

namespace L3Net.Bfd.Fsm;

/// <summary>
/// One BFD session in asynchronous mode (RFC 5880 6.8), as a pure state machine: no sockets and no clock of its own.
/// Every call takes the current monotonic time in microseconds; the caller sends what <see cref="Advance"/> returns
/// and calls again at <see cref="NextEventUs"/>. Covers the state transitions of 6.8.6, detection time (remote
/// multiplier × the agreed receive interval, 6.8.4), slow transmission (1 s) until Up (6.8.3), Poll/Final for timer
/// changes with the deferred-effect rules of 6.8.3, jittered transmission (6.8.7), and Admin Down (6.8.16).
/// Demand mode and the Echo function are not offered (we never set D, and ask for no echo).
/// </summary>
internal sealed class BfdSession
{
    /// <summary>6.8.3: bfd.DesiredMinTxInterval is at least one second while the session is not Up.</summary>
    internal const uint SlowTxUs = 1_000_000;
    private readonly Random _random;
    private BfdTimers _timers;
    private uint _advertisedTxUs, _advertisedRxUs;
    /// <summary>The intervals in effect for our transmission and our detection time: they lag the advertised ones while
    /// a Poll Sequence runs, when a change would otherwise let the remote declare us down (6.8.3).</summary>
    private uint _txInEffectUs, _rxInEffectUs;
    private bool _pollActive, _finalDue;
    private long _nextTxUs, _lastRxUs;

    public BfdSession(uint localDiscriminator, BfdTimers timers, Random random, long nowUs)
    {
        LocalDiscriminator = localDiscriminator;
        _timers = timers;
        _random = random;
        (_advertisedTxUs, _advertisedRxUs) = Wanted();
        (_txInEffectUs, _rxInEffectUs) = (_advertisedTxUs, _advertisedRxUs);
        _nextTxUs = nowUs;
        _lastRxUs = nowUs;
    }

    public BfdState State { get; private set; } = BfdState.Down;
    public BfdState RemoteState { get; private set; } = BfdState.Down;
    public BfdDiagnostic LocalDiagnostic { get; private set; }
    public BfdDiagnostic RemoteDiagnostic { get; private set; }
    public uint LocalDiscriminator { get; }
    public uint RemoteDiscriminator { get; private set; }
    /// <summary>6.8.1: initialised to 1 µs, so that we transmit before hearing from the remote.</summary>
    public uint RemoteMinRxUs { get; private set; } = 1;
    public uint RemoteDesiredTxUs { get; private set; }
    public byte RemoteMultiplier { get; private set; }
    public BfdTimers Timers => _timers;
    public bool PollActive => _pollActive;

    /// <summary>6.8.7: the larger of our desired transmit interval and what the remote can receive (before jitter).</summary>
    public uint TransmitIntervalUs => Math.Max(_txInEffectUs, RemoteMinRxUs);

    /// <summary>6.8.4: the remote's multiplier times the larger of our required receive interval and its desired
    /// transmit interval; zero before the remote was heard.</summary>
    public long DetectionTimeUs => (long)RemoteMultiplier * Math.Max(_rxInEffectUs, RemoteDesiredTxUs);

    /// <summary>When the session next needs <see cref="Advance"/>: a transmission or the detection time running out.</summary>
    public long NextEventUs
    {
        get
        {
            var next = _finalDue ? 0 : RemoteMinRxUs == 0 ? long.MaxValue : _nextTxUs;
            return DetectionTimeUs > 0 ? Math.Min(next, _lastRxUs + DetectionTimeUs) : next;
        }
    }

    /// <summary>Runs the timers up to <paramref name="nowUs"/>: the detection time (Init/Up go Down with diagnostic 1)
    /// and transmission. Appends the packets to send now to <paramref name="send"/>.</summary>
    public void Advance(long nowUs, List<ControlPacket> send)
    {
        if (DetectionTimeUs > 0 && nowUs >= _lastRxUs + DetectionTimeUs)
            DetectionTimeExpired(nowUs);
        if (_finalDue)
        {
            // 6.8.6: the answer to a Poll goes out at once, outside the periodic schedule, and never with P set.
            _finalDue = false;
            send.Add(Packet(poll: false, final: true));
        }
        // 6.8.7: no periodic transmission while the remote asks for none (Required Min RX Interval zero).
        if (RemoteMinRxUs != 0 && nowUs >= _nextTxUs)
        {
            send.Add(Packet(poll: _pollActive, final: false));
            _nextTxUs = nowUs + Jittered(TransmitIntervalUs);
        }
    }

    /// <summary>A packet for this session that passed the packet-level checks (<see cref="ControlPacket.TryParse"/>)
    /// and the TTL check, handled as 6.8.6 orders it.</summary>
    public void Receive(in ControlPacket p, long nowUs)
    {
        RemoteDiscriminator = p.MyDiscriminator;
        RemoteState = p.State;
        RemoteDiagnostic = p.Diagnostic;
        RemoteMultiplier = p.DetectMultiplier;
        RemoteDesiredTxUs = p.DesiredMinTxUs;
        var interval = TransmitIntervalUs;
        RemoteMinRxUs = p.RequiredMinRxUs;
        if (p.Final && _pollActive)
        {
            _pollActive = false;
            (_txInEffectUs, _rxInEffectUs) = (_advertisedTxUs, _advertisedRxUs);
        }
        _lastRxUs = nowUs;
        // A shorter interval (the remote now accepts faster packets) applies now rather than after the next packet.
        if (TransmitIntervalUs < interval)
            _nextTxUs = Math.Min(_nextTxUs, nowUs + Jittered(TransmitIntervalUs));
        if (p.Poll)
            _finalDue = true;
        if (State == BfdState.AdminDown)
            return;
        var next = (State, p.State) switch
        {
            (not BfdState.Down, BfdState.AdminDown) => BfdState.Down,
            (BfdState.Down, BfdState.Down) => BfdState.Init,
            (BfdState.Down, BfdState.Init) => BfdState.Up,
            (BfdState.Init, BfdState.Init or BfdState.Up) => BfdState.Up,
            (BfdState.Up, BfdState.Down) => BfdState.Down,
            _ => State,
        };
        if (next == BfdState.Down && State != BfdState.Down)
            LocalDiagnostic = BfdDiagnostic.NeighborSignaledSessionDown;
        if (next != State)
            Enter(next, nowUs);
    }

    /// <summary>New configured timers. While Up a Poll Sequence announces them (6.8.3); a longer transmit interval or a
    /// shorter receive interval takes effect only when the remote answered with Final.</summary>
    public void SetTimers(BfdTimers timers, long nowUs)
    {
        var multiplierChanged = timers.Multiplier != _timers.Multiplier;
        _timers = timers;
        Advertise(nowUs, force: multiplierChanged);
    }

    /// <summary>6.8.16: AdminDown with diagnostic 7; the remote sees it and does not count it as a failure.</summary>
    public void AdminDown(long nowUs)
    {
        LocalDiagnostic = BfdDiagnostic.AdministrativelyDown;
        Enter(BfdState.AdminDown, nowUs);
    }

    private void DetectionTimeExpired(long nowUs)
    {
        // 6.8.1: a detection time without packets forgets the remote (it may come back with a new discriminator).
        RemoteDiscriminator = 0;
        RemoteMultiplier = 0;
        RemoteState = BfdState.Down;
        if (State is BfdState.Init or BfdState.Up)
        {
            LocalDiagnostic = BfdDiagnostic.ControlDetectionTimeExpired;
            Enter(BfdState.Down, nowUs);
        }
    }

    private void Enter(BfdState state, long nowUs)
    {
        State = state;
        if (state != BfdState.Up)
            _pollActive = false;
        Advertise(nowUs, force: false);
        // Tell the remote at once rather than at the next (possibly one second away) slot.
        _nextTxUs = nowUs;
    }

    private (uint Tx, uint Rx) Wanted()
    {
        var tx = (uint)(_timers.MinTx.Ticks / 10);
        return (State == BfdState.Up ? tx : Math.Max(tx, SlowTxUs), (uint)(_timers.MinRx.Ticks / 10));
    }

    private void Advertise(long nowUs, bool force)
    {
        var (tx, rx) = Wanted();
        if (tx == _advertisedTxUs && rx == _advertisedRxUs && !force)
            return;
        var up = State == BfdState.Up;
        // 6.8.3: while Up, a longer transmit interval waits for the Final (the remote still expects the old rate), and so
        // does a shorter receive interval (the remote still sends at the old rate).
        if (!(up && tx > _txInEffectUs))
            _txInEffectUs = tx;
        if (!(up && rx < _rxInEffectUs))
            _rxInEffectUs = rx;
        (_advertisedTxUs, _advertisedRxUs) = (tx, rx);
        if (up)
        {
            _pollActive = true;
            _nextTxUs = nowUs;
        }
    }

    /// <summary>6.8.7: 75–100% of the interval, at most 90% with a multiplier of 1.</summary>
    private long Jittered(uint intervalUs)
        => (long)(intervalUs * (0.75 + _random.NextDouble() * (_timers.Multiplier == 1 ? 0.15 : 0.25)));

    private ControlPacket Packet(bool poll, bool final) => new()
    {
        Diagnostic = LocalDiagnostic,
        State = State,
        Poll = poll,
        Final = final,
        DetectMultiplier = _timers.Multiplier,
        MyDiscriminator = LocalDiscriminator,
        YourDiscriminator = RemoteDiscriminator,
        DesiredMinTxUs = _advertisedTxUs,
        RequiredMinRxUs = _advertisedRxUs,
        RequiredMinEchoRxUs = 0,
    };
}
