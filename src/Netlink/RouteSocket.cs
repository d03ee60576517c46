using System.Runtime.InteropServices;

namespace L3Net.Netlink;

/// <summary>Turns one reply message into a value, or null to skip it.</summary>
internal delegate T? ReplyParser<T>(ushort type, ReadOnlySpan<byte> payload) where T : class;

/// <summary>
/// An rtnetlink socket. It acts on the network namespace it was opened in, whichever thread uses it later, so a
/// socket opened once inside a pod's namespace (<see cref="NetNamespace.OpenSocket"/>) configures that namespace
/// from any thread. Not thread-safe: one caller at a time.
/// </summary>
public sealed partial class RouteSocket : IDisposable
{
    // Acks without the echoed request (CAP_ACK) are small, but a batch is still split so that the acks of one send
    // fit the receive buffer: the kernel drops acks that do not fit, and the batch would then never complete.
    private const int BatchMessages = 256;
    private const int BatchBytes = 64 * 1024;
    private const int ReceiveBuffer = 1 << 20;

    private readonly SocketHandle _handle;
    private readonly MessageWriter _writer = new();
    private readonly byte[] _receive = new byte[64 * 1024];
    private uint _seq = (uint)Environment.TickCount;

    /// <summary>Opens a route socket in the calling thread's network namespace.</summary>
    public RouteSocket()
    {
        var fd = Native.Socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, Native.NETLINK_ROUTE);
        if (fd < 0)
            throw NetlinkException.FromErrno("open netlink socket", Marshal.GetLastPInvokeError());
        _handle = new SocketHandle(fd);
        Native.SetOption(fd, Native.SOL_NETLINK, Native.NETLINK_CAP_ACK, 1);
        Native.SetOption(fd, Native.SOL_NETLINK, Native.NETLINK_EXT_ACK, 1);
        // FORCE needs CAP_NET_ADMIN, which every caller that changes state has; fall back to the capped size.
        try { Native.SetOption(fd, Native.SOL_SOCKET, Native.SO_RCVBUFFORCE, ReceiveBuffer); }
        catch (NetlinkException) { Native.SetOption(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, ReceiveBuffer); }
        Bind(fd);
    }

    private static unsafe void Bind(int fd)
    {
        var address = new Native.SockaddrNl { Family = Native.AF_NETLINK };
        if (Native.Bind(fd, &address, sizeof(Native.SockaddrNl)) < 0)
            throw NetlinkException.FromErrno("bind netlink socket", Marshal.GetLastPInvokeError());
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Starts a single request in the shared writer; the caller adds the family struct and attributes.</summary>
    private MessageWriter Begin(ushort type, ushort flags)
    {
        _writer.Clear();
        _writer.BeginMessage(type, flags, ++_seq);
        return _writer;
    }

    /// <summary>Sends the message being built and waits for its ack; throws the kernel's error.</summary>
    private void Execute(string operation)
    {
        _writer.EndMessage();
        Send(operation);
        Receive<object>(operation, _seq, dump: false, parser: null, results: null);
    }

    /// <summary>Sends the request being built and collects the reply messages (a dump, or a get with an ack).</summary>
    private List<T> Query<T>(string operation, bool dump, ReplyParser<T> parser) where T : class
    {
        _writer.EndMessage();
        var request = _writer.Written.ToArray();
        // A dump that raced a change is flagged "interrupted" by the kernel; it is retried a few times.
        for (var attempt = 0; ; attempt++)
        {
            var results = new List<T>();
            SendRaw(operation, request);
            var interrupted = Receive(operation, _seq, dump, parser, results);
            if (!interrupted || attempt == 4)
                return results;
            MemoryMarshal.Write(request.AsSpan(8), ++_seq);
        }
    }

    private void Send(string operation) => SendRaw(operation, _writer.Written);

    private unsafe void SendRaw(string operation, ReadOnlySpan<byte> data)
    {
        var kernel = new Native.SockaddrNl { Family = Native.AF_NETLINK };
        fixed (byte* p = data)
        {
            nint sent;
            do sent = Native.SendTo(_handle.Fd, p, data.Length, 0, &kernel, sizeof(Native.SockaddrNl));
            while (sent < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
            if (sent < 0)
                throw NetlinkException.FromErrno($"{operation} (send)", Marshal.GetLastPInvokeError());
        }
    }

    private unsafe int ReceiveDatagram(string operation)
    {
        fixed (byte* p = _receive)
        {
            nint n;
            do n = Native.Recv(_handle.Fd, p, _receive.Length, 0);
            while (n < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
            if (n < 0)
                throw NetlinkException.FromErrno($"{operation} (receive)", Marshal.GetLastPInvokeError());
            return (int)n;
        }
    }

    /// <summary>Reads until the request with <paramref name="seq"/> is finished; returns whether a dump was interrupted.</summary>
    private bool Receive<T>(string operation, uint seq, bool dump, ReplyParser<T>? parser, List<T>? results) where T : class
    {
        var interrupted = false;
        var finished = false;
        while (!finished)
            finished = ReadDatagram(_receive.AsSpan(0, ReceiveDatagram(operation)), operation, seq, dump, parser, results, ref interrupted);
        return interrupted;
    }

    /// <summary>The messages of one received datagram: replies to <paramref name="seq"/> go through
    /// <paramref name="parser"/> into <paramref name="results"/>; true when the request is finished (NLMSG_DONE, or the
    /// ack of a request that is not a dump). Bytes the kernel would never send are a <see cref="NetlinkException"/>.</summary>
    internal static bool ReadDatagram<T>(ReadOnlySpan<byte> data, string operation, uint seq, bool dump, ReplyParser<T>? parser,
        List<T>? results, ref bool interrupted) where T : class
    {
        while (data.Length >= 16)
        {
            var header = MemoryMarshal.Read<NlMsgHdr>(data);
            if (header.Length < 16 || header.Length > data.Length)
                throw new NetlinkException($"{operation}: malformed reply", NetlinkException.EINVAL);
            var payload = data[16..(int)header.Length];
            data = data[Math.Min(data.Length, (int)((header.Length + 3) & ~3u))..];
            if (header.Seq != seq)
                continue; // a late ack of an earlier request
            interrupted |= (header.Flags & Rt.F_DUMP_INTR) != 0;
            switch (header.Type)
            {
                case Rt.NLMSG_DONE:
                    return true;
                case Rt.NLMSG_ERROR:
                    var error = ParseError(operation, header, payload);
                    if (error is not null)
                        throw error;
                    if (!dump)
                        return true;
                    break;
                default:
                    if (parser?.Invoke(header.Type, payload) is { } value)
                        results!.Add(value);
                    break;
            }
        }
        return false;
    }

    /// <summary>An NLMSG_ERROR payload as the failure of <paramref name="operation"/>, or null for an ack.</summary>
    private static NetlinkException? ParseError(string operation, in NlMsgHdr header, ReadOnlySpan<byte> payload)
        => ReadErrno(header, payload, out var message) is var errno and not 0 ? new NetlinkException(operation, errno, message) : null;

    /// <summary>An NLMSG_ERROR payload: errno (0 = ack), the capped request header, then extended-ack attributes.</summary>
    private static int ReadErrno(in NlMsgHdr header, ReadOnlySpan<byte> payload, out string? message)
    {
        message = null;
        if (payload.Length < 4)
            throw AttributeReader.Malformed($"an error message of {payload.Length} bytes, without its errno");
        var errno = -MemoryMarshal.Read<int>(payload);
        if (errno == 0)
            return 0;
        if ((header.Flags & Rt.F_ACK_TLVS) != 0 && payload.Length > 20)
        {
            var attributes = new AttributeReader(payload[20..]);
            while (attributes.MoveNext())
                if (attributes.Type == Rt.NLMSGERR_ATTR_MSG)
                    message = AttributeReader.String(attributes.Payload);
        }
        return errno;
    }

    /// <summary>
    /// Sends many prepared requests in as few sends as possible (each one a single send syscall, so one kernel
    /// sendmsg), each with its own sequence number and ack, and returns the failure of each request that failed.
    /// </summary>
    private List<(int Index, NetlinkException Error)> Batch(int count, Action<MessageWriter, int, uint> build, Func<int, string> describe)
    {
        var failures = new List<(int, NetlinkException)>();
        for (var start = 0; start < count;)
        {
            _writer.Clear();
            var firstSeq = _seq + 1;
            var end = start;
            while (end < count && end - start < BatchMessages && _writer.Length < BatchBytes)
            {
                build(_writer, end, ++_seq);
                _writer.EndMessage();
                end++;
            }
            Send("batch");
            CollectAcks(firstSeq, start, end - start, describe, failures);
            start = end;
        }
        return failures;
    }

    private void CollectAcks(uint firstSeq, int firstIndex, int count, Func<int, string> describe, List<(int, NetlinkException)> failures)
    {
        var pending = count;
        while (pending > 0)
        {
            var data = _receive.AsSpan(0, ReceiveDatagram("batch"));
            while (data.Length >= 16)
            {
                var header = MemoryMarshal.Read<NlMsgHdr>(data);
                if (header.Length < 16 || header.Length > data.Length)
                    throw new NetlinkException("batch: malformed reply", NetlinkException.EINVAL);
                var payload = data[16..(int)header.Length];
                data = data[Math.Min(data.Length, (int)((header.Length + 3) & ~3u))..];
                var offset = unchecked((int)(header.Seq - firstSeq));
                if (header.Type != Rt.NLMSG_ERROR || offset < 0 || offset >= count)
                    continue;
                pending--;
                // Described only when it failed: a batch of acks must not format a string per route.
                if (ReadErrno(header, payload, out var message) is var errno and not 0)
                    failures.Add((firstIndex + offset, new NetlinkException(describe(firstIndex + offset), errno, message)));
            }
        }
    }
}
