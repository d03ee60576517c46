using System.Net.Sockets;
using System.Runtime.InteropServices;
using L3Net.Cni;
using L3Net.Cni.Handoff;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace L3Net.Node.CniHandoff;

/// <summary>
/// Serves the CNI plugin's handed-off invocations (<see cref="HandoffClient"/>) on a unix socket: each connection is
/// one request, run by the plugin's own code (<see cref="CniMain"/>: the same checks, errors, IPAM and pod dataplane)
/// in this process, where the datastore connections stay open (<see cref="SharedDatastores"/>) and every JSON contract
/// is built once. The pod's netlink work enters its namespace on a thread of its own (<c>NetNamespace.Run</c>), so no
/// pooled thread ever leaves the node's namespace. The socket is root's only (mode 0600, and the peer's uid checked);
/// what arrives on it is decoded strictly (<see cref="HandoffWire"/>) and then checked as the plugin checks its stdin.
/// Its invocations take IPAM in turn (<see cref="CniHost.InIpamTurnAsync"/>), and a DEL's veth is deleted after the
/// answer, before the attachment's next request runs.
/// </summary>
public sealed partial class CniHandoffServer(NodeOptions options, ILogger<CniHandoffServer> logger) : BackgroundService
{
    private readonly string _socketPath = options.CniSocket ?? throw new ArgumentException("no --cni-socket", nameof(options));

    /// <summary>A client that does not send its request in this time is cut off (a plugin writes it at once).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly SharedDatastores _datastores = new();
    private readonly SemaphoreSlim _ipamTurn = new(1, 1);
    private readonly AttachmentLocks _attachments = new();
    private readonly HashSet<Task> _inFlight = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = Listen();
        LogServing(logger, _socketPath);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
                Track(ServeAsync(await listener.AcceptAsync(stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // New plugins find the socket gone and do the work themselves; those already being served get their answer
            // (one still in the backlog sees its connection reset and answers "try again later", never a second time).
            File.Delete(_socketPath);
            Task[] running;
            lock (_inFlight)
                running = [.. _inFlight];
            await Task.WhenAll(running);
            await _datastores.DisposeAsync();
        }
    }

    private Socket Listen()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_socketPath)!);
        File.Delete(_socketPath); // a socket file a killed daemon left behind
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
            // Before listen: until then a connect is refused, so no one connects while the mode is still the umask's.
            if (OperatingSystem.IsLinux()) // always: the guard is for the platform analyzer
                File.SetUnixFileMode(_socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(1024);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    private void Track(Task serving)
    {
        lock (_inFlight)
            _inFlight.Add(serving);
        serving.ContinueWith(t =>
        {
            lock (_inFlight)
                _inFlight.Remove(t);
        }, TaskScheduler.Default);
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield(); // off the accept loop
        using (socket)
        {
            if (PeerUid(socket) is not 0 and var uid)
            {
                await ReplyAsync(socket, Refusal(CniCodes.InvalidEnvironment, $"handoff refused: peer uid {uid} is not root"));
                return;
            }
            if (await ReadAsync(socket) is not { } request)
                return;
            // One request per attachment at a time, its deferred teardown included: a DEL's veth is gone before the
            // next ADD of the same container and interface runs.
            using var held = await _attachments.AcquireAsync(request.Attachment, CancellationToken.None);
            var host = new CniHost(_datastores, _ipamTurn);
            using var stdout = new MemoryStream();
            var code = await CniMain.RunAsync(request.InvokedAs, request.Environment.GetValueOrDefault, new MemoryStream(request.Stdin), stdout, host);
            await ReplyAsync(socket, new HandoffReply(code, stdout.ToArray()));
            if (host.DeferredTeardown is not null)
                // On a thread of its own: deleting a veth blocks in the kernel behind every other one (the RTNL lock),
                // and fifty of them on pool threads starved the pool that the next requests' answers wait for.
                await Task.Factory.StartNew(() => RunDeferred(host), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    /// <summary>The request, or null after answering a malformed one with an error (or losing its sender).</summary>
    private async Task<HandoffRequest?> ReadAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            return HandoffWire.DecodeRequest(await HandoffWire.ReadFrameAsync(stream, timeout.Token));
        }
        catch (Exception e) when (e is HandoffFormatException or EndOfStreamException)
        {
            LogMalformed(logger, e.Message);
            await ReplyAsync(socket, Refusal(CniCodes.DecodeFailure, $"malformed handoff request: {e.Message}"));
            return null;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            LogConnectionLost(logger, e.Message);
            return null;
        }
    }

    private async Task ReplyAsync(Socket socket, HandoffReply reply)
    {
        try
        {
            await socket.SendAsync(HandoffWire.EncodeReply(reply).AsMemory());
        }
        catch (SocketException e)
        {
            // The plugin is gone (killed by its runtime): what it asked for is done or rolled back all the same.
            LogConnectionLost(logger, e.Message);
        }
    }

    private void RunDeferred(CniHost host)
    {
        try
        {
            host.DeferredTeardown?.Run();
        }
        catch (Exception e) when (e is L3Net.Netlink.NetlinkException or IOException)
        {
            // Left to the namespace's removal by the runtime, which takes the veth with it.
            LogTeardownFailed(logger, e.Message);
        }
    }
    private static HandoffReply Refusal(int code, string message)
    {
        using var stdout = new MemoryStream();
        return new HandoffReply(CniMain.WriteError(stdout, CniVersions.Latest, new CniException(code, message)), stdout.ToArray());
    }

    /// <summary>The connecting process's uid (SO_PEERCRED: pid, uid, gid).</summary>
    private static int PeerUid(Socket socket)
    {
        const int SolSocket = 1, SoPeerCred = 17;
        Span<byte> credentials = stackalloc byte[12];
        socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        return MemoryMarshal.Read<int>(credentials[4..]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving CNI invocations on {Socket}")]
    private static partial void LogServing(ILogger logger, string socket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CNI handoff connection: {Error}")]
    private static partial void LogConnectionLost(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "deleting a pod's veth after its DEL: {Error}")]
    private static partial void LogTeardownFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "malformed CNI handoff request: {Error}")]
    private static partial void LogMalformed(ILogger logger, string error);
}
