using System.Buffers;
using System.Net;
using System.Net.Sockets;
using L3Net.Bgp.Wire;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>A hand-driven BGP peer on a plain socket inside a namespace: it can send bytes no real router would.</summary>
internal sealed class RawPeer : IDisposable
{
    /// <summary>An UPDATE's body: withdrawn routes, path attributes and NLRI, each length-prefixed as RFC 4271 4.3 has it.</summary>
    public static byte[] UpdateBody(byte[] withdrawn, byte[] attributes, byte[] nlri)
        => [(byte)(withdrawn.Length >> 8), (byte)withdrawn.Length, .. withdrawn,
            (byte)(attributes.Length >> 8), (byte)attributes.Length, .. attributes, .. nlri];

    /// <summary><paramref name="body"/> behind a BGP header of type UPDATE.</summary>
    public static byte[] UpdateMessage(byte[] body)
    {
        var b = new byte[MessageFrame.HeaderLength + body.Length];
        MessageFrame.WriteHeader(b, b.Length, MessageType.Update);
        body.CopyTo(b, MessageFrame.HeaderLength);
        return b;
    }

    public static byte[] Update(byte[] withdrawn, byte[] attributes, byte[] nlri) => UpdateMessage(UpdateBody(withdrawn, attributes, nlri));

    private readonly Socket _listener;
    private Socket? _socket;

    public RawPeer(NetnsHost host, string address)
    {
        _listener = NetnsSockets.RunIn(host.NetnsPath, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        Address = IPAddress.Parse(address);
        _listener.Bind(new IPEndPoint(Address, 179));
        _listener.Listen(1);
    }

    /// <summary>The address the peer listens on (the speaker's neighbour address for it).</summary>
    public IPAddress Address { get; }

    /// <summary>Accepts the speaker's (next) connection and completes OPEN/KEEPALIVE as AS <paramref name="asn"/> (our
    /// OPEN changed by <paramref name="tweak"/>); returns the speaker's OPEN.</summary>
    public async Task<OpenMessage> HandshakeAsync(uint asn, string routerId, Func<OpenMessage, OpenMessage>? tweak = null)
    {
        Disconnect();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        _socket = await _listener.AcceptAsync(timeout.Token);
        var id = IPAddress.Parse(routerId).GetAddressBytes();
        var open = new OpenMessage { MyAs = asn, HoldTime = 90, BgpId = (uint)(id[0] << 24 | id[1] << 16 | id[2] << 8 | id[3]), FourOctetAs = true, Families = [Afi.IPv4] };
        Send((tweak is null ? open : tweak(open)).Encode());
        Send(MessageFrame.Keepalive());
        var (type, body) = Receive();
        if (type != MessageType.Open)
            throw new InvalidOperationException($"expected OPEN, got {type}");
        return OpenMessage.Decode(body);
    }

    public void Send(byte[] message) => _socket!.Send(message);

    /// <summary>Closes the current connection (the listener stays, for the speaker's next one).</summary>
    public void Disconnect()
    {
        _socket?.Dispose();
        _socket = null;
    }

    /// <summary>The next message the speaker sends (5 s at most).</summary>
    public (MessageType Type, byte[] Body) Receive()
    {
        _socket!.ReceiveTimeout = 5000;
        var header = ReadExactly(19);
        var length = header[16] << 8 | header[17];
        return ((MessageType)header[18], ReadExactly(length - 19));
    }

    /// <summary>Reads until a NOTIFICATION arrives (skipping KEEPALIVEs and UPDATEs); null when the socket closes first.</summary>
    public NotificationMessage? ReceiveNotification()
    {
        try
        {
            while (true)
            {
                var (type, body) = Receive();
                if (type == MessageType.Notification)
                    return NotificationMessage.Decode(body);
            }
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException)
        {
            return null;
        }
    }

    private byte[] ReadExactly(int n)
    {
        var b = new byte[n];
        for (var got = 0; got < n;)
        {
            var r = _socket!.Receive(b, got, n - got, SocketFlags.None);
            if (r == 0)
                throw new EndOfStreamException();
            got += r;
        }
        return b;
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _listener.Dispose();
    }
}
