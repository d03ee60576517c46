using System.Net;
using System.Net.Sockets;

namespace L3Net.Bfd.Transport;

/// <summary>A datagram that arrived on port 3784, with the TTL (or hop limit) it carried.</summary>
internal readonly record struct Datagram(IPEndPoint From, int Ttl, ReadOnlyMemory<byte> Payload);

/// <summary>
/// RFC 5881 single-hop transport: per address family one socket receives on UDP 3784 (its own thread, reporting the
/// TTL of each datagram), and per local address one socket sends, bound to a source port in 49152–65535 and with
/// TTL / hop limit 255 (RFC 5881 4 and 5). Sockets come from a factory, so a caller can make them in a namespace.
/// </summary>
internal sealed class UdpTransport : IDisposable
{
    public const int ControlPort = 3784;
    private const int SourcePortMin = 49152, SourcePortMax = 65535;
    private readonly Func<AddressFamily, Socket> _factory;
    private readonly Action<Datagram> _received;
    private readonly Action<string> _log;
    private readonly List<(Socket Socket, Thread Thread)> _receivers = [];
    private readonly Dictionary<IPAddress, Socket> _senders = [];
    private volatile bool _stopped;

    public UdpTransport(Func<AddressFamily, Socket> factory, Action<Datagram> received, Action<string> log)
    {
        _factory = factory;
        _received = received;
        _log = log;
    }

    /// <summary>Starts receiving on <c>[any]:3784</c> of each family, or on none when one socket cannot be bound (the
    /// port is not shared: a second BFD daemon in the namespace is an error, not a silent split of its packets).</summary>
    public void Listen(IEnumerable<AddressFamily> families)
    {
        var sockets = new List<Socket>();
        try
        {
            foreach (var family in families)
            {
                var socket = _factory(family);
                sockets.Add(socket);
                if (family == AddressFamily.InterNetworkV6)
                    socket.DualMode = false; // IPv4 has its own socket
                RecvMsg.EnableTtlReport(socket);
                socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, ControlPort));
            }
        }
        catch
        {
            foreach (var socket in sockets)
                socket.Dispose();
            throw;
        }
        foreach (var socket in sockets)
        {
            var thread = new Thread(() => ReceiveLoop(socket)) { IsBackground = true, Name = $"bfd-rx-{socket.AddressFamily}" };
            _receivers.Add((socket, thread));
            thread.Start();
        }
    }

    private void ReceiveLoop(Socket socket)
    {
        var buffer = new byte[2048];
        while (!_stopped)
        {
            try
            {
                // Poll with a timeout rather than block, so that Dispose ends the thread within 200 ms.
                if (!socket.Poll(200_000, SelectMode.SelectRead))
                    continue;
                var n = RecvMsg.Receive(socket, buffer, out var from, out var ttl);
                if (n > 0 && from is not null)
                    _received(new Datagram(from, ttl, buffer.AsMemory(0, n)));
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (_stopped)
                    return;
                _log($"receive failed: {e.Message}");
            }
        }
    }

    /// <summary>Sends from <paramref name="local"/> to the peer's port 3784. False when the kernel refused (no route:
    /// the link is down), which the detection time deals with.</summary>
    public bool Send(IPAddress local, IPAddress peer, ReadOnlySpan<byte> packet)
    {
        try
        {
            return Sender(local).SendTo(packet, SocketFlags.None, new IPEndPoint(peer, ControlPort)) == packet.Length;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private Socket Sender(IPAddress local)
    {
        lock (_senders)
        {
            if (_senders.TryGetValue(local, out var socket))
                return socket;
            socket = _factory(local.AddressFamily);
            try
            {
                socket.Ttl = 255; // IP_TTL or IPV6_UNICAST_HOPS, by the socket's family
                BindSourcePort(socket, local);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            _senders[local] = socket;
            return socket;
        }
    }

    /// <summary>RFC 5881 4: a source port in 49152–65535, the same for every packet of a session (one socket per
    /// local address serves all its sessions). Starts at a random port and walks the range until a bind succeeds.</summary>
    private static void BindSourcePort(Socket socket, IPAddress local)
    {
        var span = SourcePortMax - SourcePortMin + 1;
        var start = Random.Shared.Next(span);
        for (var i = 0; i < span; i++)
        {
            try
            {
                socket.Bind(new IPEndPoint(local, SourcePortMin + (start + i) % span));
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                _ = e; // taken; try the next one
            }
        }
        throw new InvalidOperationException($"no free UDP source port in {SourcePortMin}-{SourcePortMax} on {local}");
    }

    public void Dispose()
    {
        _stopped = true;
        foreach (var (socket, thread) in _receivers)
        {
            thread.Join(TimeSpan.FromSeconds(1));
            socket.Dispose();
        }
        _receivers.Clear();
        lock (_senders)
        {
            foreach (var socket in _senders.Values)
                socket.Dispose();
            _senders.Clear();
        }
    }
}
