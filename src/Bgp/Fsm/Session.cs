using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Fsm;

/// <summary>
/// One TCP connection to a peer and its FSM from OpenSent on (RFC 4271 8). Three loops: the reader (frames messages
/// off a <see cref="PipeReader"/>, decodes UPDATEs and applies them to the RIB), the writer (control messages first,
/// then Adj-RIB-Out batches in bounded chunks) and the timers (hold timer enforced here, KEEPALIVE sent from here).
/// Table work happens only in the reader and writer, so it can never hold back a KEEPALIVE or the hold check.
/// </summary>
internal sealed partial class Session(Peer peer, Socket socket, bool outbound, SpeakerContext ctx)
{
    private const int OpenHoldSeconds = 240; // RFC 4271 8: a large hold time until the OPEN arrives
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Channel<byte[]> _control = Channel.CreateUnbounded<byte[]>();
    private readonly Channel<bool> _outSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ParsedUpdate _parsed = new();
    private long _lastReceived = Environment.TickCount64, _lastSent = Environment.TickCount64;
    private int _holdSeconds = OpenHoldSeconds, _keepaliveSeconds;
    private UpdateDecoder? _decoder;
    private BgpProtocolException? _failure;
    private string? _closeReason;

    public bool Outbound { get; } = outbound;
    public BgpState State { get; set; } = BgpState.OpenSent;
    public OpenMessage? RemoteOpen { get; private set; }
    public RibMember? Member { get; set; }
    public IReadOnlyList<Afi> Families { get; private set; } = [];
    public bool FourOctetAs { get; private set; }
    public bool NotificationExchanged { get; private set; }
    public IPAddress LocalAddress => SocketSetup.Normalize(((IPEndPoint)socket.LocalEndPoint!).Address);
    private Afi SessionFamily => peer.Config.Address.AddressFamily == AddressFamily.InterNetwork ? Afi.IPv4 : Afi.IPv6;

    /// <summary>Runs the session to its end; returns why it ended. Whatever ends it (a protocol error, a lost connection,
    /// a defect in any of the three loops), the teardown runs once: NOTIFICATION when there is one to send, both other
    /// loops stopped, socket closed; so the peer always learns the session is gone and can connect again.</summary>
    public async Task<string> RunAsync()
    {
        var ct = _cts.Token;
        var writer = Task.Run(() => WriteLoopAsync(ct), CancellationToken.None);
        var timers = Task.Run(() => TimerLoopAsync(ct), CancellationToken.None);
        try
        {
            // Written before reading, so that our OPEN always precedes a NOTIFICATION about theirs.
            await WriteAsync(OurOpen().Encode(), ct);
            await ReadLoopAsync(ct);
        }
        catch (Exception e)
        {
            Ended(e, "connection lost");
        }
        finally
        {
            await TearDownAsync(writer, timers);
        }
        return _closeReason ?? "closed";
    }

    /// <summary>Records why a loop ended. A protocol error is answered with its NOTIFICATION, a lost connection with
    /// nothing; anything else is our own defect (an UPDATE we cannot encode, say), answered with a Cease so that the
    /// peer does not wait for a hold timer to find the session dead.</summary>
    private void Ended(Exception e, string lost)
    {
        switch (e)
        {
            case BgpProtocolException protocol:
                _failure ??= protocol;
                break;
            case OperationCanceledException:
                _closeReason ??= "closed";
                break;
            case IOException or SocketException or ObjectDisposedException:
                _closeReason ??= $"{lost}: {e.Message}";
                break;
            default:
                ctx.Log($"peer {peer.Config.Address}: session failed: {e}");
                _failure ??= new BgpProtocolException(BgpError.Cease, BgpSubcode.OutOfResources, $"internal error: {e.GetType().Name}: {e.Message}");
                break;
        }
    }

    private async Task TearDownAsync(Task writer, Task timers)
    {
        if (_failure is { } f)
        {
            _closeReason = $"sent NOTIFICATION {new NotificationMessage(f.Code, f.Subcode, f.NotificationData)}: {f.Message}";
            await SendNotificationAsync(f);
        }
        await _cts.CancelAsync();
        await Task.WhenAll(writer, timers); // neither throws: each records its own end
        socket.Dispose();
    }

    /// <summary>Ends the session from outside (shutdown, collision, deconfiguration) with a NOTIFICATION.</summary>
    public void Abort(BgpProtocolException notification)
    {
        _failure ??= notification;
        _cts.Cancel();
    }

    /// <summary>Ends the session from outside with a bare TCP close, no NOTIFICATION.</summary>
    public void Close() => _cts.Cancel();

    /// <summary>Wakes the writer: the Adj-RIB-Out has something to send.</summary>
    public void SignalOutput() => _outSignal.Writer.TryWrite(true);

    public void Send(byte[] message) => _control.Writer.TryWrite(message);

    /// <summary>The reader runs on a thread of its own that waits in poll(2) and then reads what arrived: one wake-up
    /// of one thread a read, as in BIRD's loop. An awaited socket read costs three (the socket engine's thread, a
    /// pool worker it hands the completion to, and that worker parking again), and a full feed makes a read for every
    /// few hundred bytes the sender writes: that was the largest part of our CPU during a full table. The bytes go
    /// through a <see cref="Pipe"/>, which keeps the buffers and hands the parser whole messages across reads.</summary>
    private Task ReadLoopAsync(CancellationToken ct)
        => Task.Factory.StartNew(() => ReadLoop(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void ReadLoop(CancellationToken ct)
    {
        const int PollMicroseconds = 1_000_000;
        // A session ended from outside wakes the poll at once: shutting the receive side down sends nothing to the
        // peer (the NOTIFICATION still goes out after it) and makes the socket readable, with nothing to read.
        using var wake = ct.Register(ShutdownReceive);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
        var scratch = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (!socket.Poll(PollMicroseconds, SelectMode.SelectRead))
                    continue;
                var read = socket.Receive(pipe.Writer.GetMemory(16 * 1024).Span);
                ct.ThrowIfCancellationRequested();
                if (read == 0)
                {
                    _closeReason = "connection closed by the peer";
                    return;
                }
                pipe.Writer.Advance(read);
                var flush = pipe.Writer.FlushAsync(CancellationToken.None);
                if (!flush.IsCompletedSuccessfully)
                    flush.AsTask().Wait(CancellationToken.None); // not reached: with no pause threshold a flush completes at once
                pipe.Reader.TryRead(out var result);
                var buffer = result.Buffer;
                var applied = false;
                try
                {
                    while (MessageFrame.TryRead(ref buffer, MessageFrame.MaxLength, out var type, out var body))
                    {
                        _lastReceived = Environment.TickCount64;
                        var span = body.IsSingleSegment ? body.FirstSpan : Copy(body, scratch);
                        applied |= Handle(type, span);
                        if (_closeReason is not null)
                            return;
                    }
                }
                finally
                {
                    pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (applied)
                    lock (ctx.Rib.Lock)
                        ctx.Rib.Commit();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            pipe.Reader.Complete();
            pipe.Writer.Complete();
        }
    }

    private void ShutdownReceive()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // not connected any more, or closed already: the poll wakes anyway
        }
    }

    private static ReadOnlySpan<byte> Copy(ReadOnlySequence<byte> body, byte[] scratch)
    {
        body.CopyTo(scratch);
        return scratch.AsSpan(0, (int)body.Length);
    }

    /// <summary>One message through the FSM; true when the RIB changed and needs a commit.</summary>
    private bool Handle(MessageType type, ReadOnlySpan<byte> body)
    {
        if (type == MessageType.Notification)
        {
            NotificationExchanged = true;
            _closeReason = $"received NOTIFICATION {NotificationMessage.Decode(body)}";
            return false;
        }
        switch (State)
        {
            case BgpState.OpenSent when type == MessageType.Open:
                ReceiveOpen(OpenMessage.Decode(body));
                return false;
            case BgpState.OpenConfirm when type == MessageType.Keepalive:
                State = BgpState.Established;
                peer.OnEstablished(this);
                return false;
            case BgpState.Established when type == MessageType.Keepalive:
                return false;
            case BgpState.Established when type == MessageType.Update:
                return ApplyUpdate(body);
            case BgpState.Established when type == MessageType.RouteRefresh:
                var refresh = RouteRefreshMessage.Decode(body);
                if (Families.Contains(refresh.Afi) && Member is { } member)
                    member.Group.Refresh(member, refresh.Afi);
                return false;
            default:
                // RFC 6608 subcodes: unexpected message in OpenSent (1), OpenConfirm (2), Established (3).
                var subcode = State switch { BgpState.OpenSent => 1, BgpState.OpenConfirm => 2, _ => 3 };
                throw new BgpProtocolException(BgpError.FsmError, (byte)subcode, $"unexpected {type} in {State}");
        }
    }

    private void ReceiveOpen(OpenMessage open)
    {
        var config = peer.Config;
        if (open.MyAs != config.RemoteAs)
            throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.BadPeerAs, $"peer says AS {open.MyAs}, configured {config.RemoteAs}");
        if (open.BgpId == ctx.RouterId)
            throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.BadBgpIdentifier, "peer uses our BGP identifier");
        RemoteOpen = open;
        FourOctetAs = open.FourOctetAs;
        // RFC 4760: a peer without multiprotocol capabilities speaks IPv4 unicast only.
        var theirs = open.Families.Count == 0 ? [Afi.IPv4] : open.Families;
        if (!theirs.Contains(SessionFamily))
        {
            // RFC 5492 3: refuse with Unsupported Capability, naming the capability we needed (our MP capability).
            var afi = (ushort)SessionFamily;
            throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.UnsupportedCapability, $"peer does not offer {SessionFamily} unicast",
                [CapabilityCode.Multiprotocol, 4, (byte)(afi >> 8), (byte)afi, 0, 1]);
        }
        Families = [SessionFamily];
        // RFC 4271 4.2: the smaller hold time of the two OPENs; KEEPALIVEs at the configured interval, but at least
        // three per hold time, as BIRD and FRR do.
        _holdSeconds = Math.Min(OurHoldSeconds, open.HoldTime);
        var keepalive = config.KeepaliveTime is { } k ? Math.Max(1, (int)k.TotalSeconds) : int.MaxValue;
        _keepaliveSeconds = Math.Min(keepalive, _holdSeconds / 3);
        _decoder = new UpdateDecoder(new DecodeContext(FourOctetAs, config.RemoteAs == ctx.LocalAs));
        if (!peer.ResolveCollision(this))
            throw new BgpProtocolException(BgpError.Cease, BgpSubcode.ConnectionCollisionResolution, "connection collision: the other connection wins");
        Send(MessageFrame.Keepalive());
    }

    private int OurHoldSeconds => (int)(peer.Config.HoldTime ?? ctx.Options.HoldTime).TotalSeconds;

    private OpenMessage OurOpen() => new()
    {
        MyAs = ctx.LocalAs,
        HoldTime = (ushort)OurHoldSeconds,
        BgpId = ctx.RouterId,
        Families = [SessionFamily],
        RouteRefresh = true,
        FourOctetAs = true,
        // The restart time the peer keeps our routes for: this peer's own (Calico's maxRestartTime) or the speaker's.
        GracefulRestart = ctx.Options.GracefulRestartTime is { } gr
            ? new GracefulRestartCapability(ctx.Restarting, (ushort)Math.Min((peer.Config.GracefulRestartTime ?? gr).TotalSeconds, 4095),
                [(SessionFamily, ctx.Options.Restarting)])
            : null,
    };

    private bool ApplyUpdate(ReadOnlySpan<byte> body)
    {
        peer.Counters.UpdateReceived();
        _decoder!.Decode(body, _parsed);
        if (_parsed.TreatAsWithdrawReason is { } why)
            ctx.Log($"peer {peer.Config.Address}: UPDATE treated as withdraw (RFC 7606): {why}");
        lock (ctx.Rib.Lock)
            return peer.Apply(_parsed);
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (_control.Reader.TryRead(out var message))
                {
                    await WriteAsync(message, ct);
                    continue;
                }
                // A restarting speaker holds its UPDATEs and End-of-RIB back (see SpeakerContext.UpdatesReleased).
                var released = ctx.UpdatesReleased.IsCompleted;
                if (released && _outSignal.Reader.TryRead(out _) && Member is { } member)
                {
                    if (member.Next() is { } chunk)
                    {
                        await WriteChunksAsync(member, chunk, ct);
                        SignalOutput(); // there may be more: look again after any control message
                    }
                    continue;
                }
                await Task.WhenAny(_control.Reader.WaitToReadAsync(ct).AsTask(),
                    released ? _outSignal.Reader.WaitToReadAsync(ct).AsTask() : ctx.UpdatesReleased);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Ended(e, "send failed");
            await _cts.CancelAsync();
        }
        catch (Exception)
        {
            // the session is ending already: a write cut short by it is no news
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            while (!data.IsEmpty)
                data = data[await socket.SendAsync(data, SocketFlags.None, ct)..];
            _lastSent = Environment.TickCount64;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task SendNotificationAsync(BgpProtocolException f)
    {
        NotificationExchanged = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await WriteAsync(new NotificationMessage(f.Code, f.Subcode, f.NotificationData).Encode(), timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // the peer or the socket is gone already; nothing more to tell it
        }
    }

    private async Task TimerLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var tick = _keepaliveSeconds > 0 ? Math.Clamp(_keepaliveSeconds * 250, 100, 1000) : 1000;
                await Task.Delay(tick, ct);
                var now = Environment.TickCount64;
                if (_holdSeconds > 0 && now - Interlocked.Read(ref _lastReceived) > _holdSeconds * 1000L)
                {
                    Abort(new BgpProtocolException(BgpError.HoldTimerExpired, 0, $"nothing received for {_holdSeconds} s"));
                    return;
                }
                if (State is BgpState.OpenConfirm or BgpState.Established && _keepaliveSeconds > 0
                    && now - Interlocked.Read(ref _lastSent) >= _keepaliveSeconds * 1000L)
                {
                    Interlocked.Exchange(ref _lastSent, now);
                    Send(MessageFrame.Keepalive());
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the session ended
        }
        catch (Exception e)
        {
            Ended(e, "timer failed");
            await _cts.CancelAsync();
        }
    }
}
