using System.Buffers.Binary;
using System.Text;

namespace L3Net.Cni.Handoff;

/// <summary>One CNI invocation as the plugin hands it to the node daemon: the <c>CNI_*</c> variables, the name the
/// plugin was invoked as (<c>l3net-ipam</c> selects the IPAM plugin) and stdin, exactly what the plugin itself would
/// read. The socket is an external input: the daemon decodes it with <see cref="HandoffWire.DecodeRequest"/> and then
/// checks its content as the plugin does (<see cref="CniEnvironment"/>, <see cref="NetConfReader"/>).</summary>
public sealed record HandoffRequest(string InvokedAs, IReadOnlyDictionary<string, string> Environment, byte[] Stdin)
{
    /// <summary>What identifies the attachment (container and interface): the daemon serialises requests on it.</summary>
    public string Attachment => $"{Environment.GetValueOrDefault("CNI_CONTAINERID")}/{Environment.GetValueOrDefault("CNI_IFNAME")}";
}

/// <summary>The daemon's answer: the exit code and stdout the plugin would have produced.</summary>
public sealed record HandoffReply(int ExitCode, byte[] Stdout);

/// <summary>A request or reply that is not one: truncated, too large, an unknown version or variable.</summary>
public sealed class HandoffFormatException(string message) : Exception(message);

/// <summary>
/// The framing on the unix socket, both directions a 4-byte big-endian length and that many bytes. Request: version
/// byte 1; the variables as (name, value) string pairs, a count first; the invoked-as name; stdin. Reply: the exit
/// code (4 bytes, signed) and stdout. A string or byte field is a 4-byte length and its bytes (UTF-8). Binary, not
/// JSON, so that the plugin's thin path builds no JSON contract and the daemon's decoder has nothing to interpret.
/// </summary>
public static class HandoffWire
{
    public const byte Version = 1;

    /// <summary>A network configuration with a long prevResult is a few KB; anything near this is not a CNI request.</summary>
    public const int MaxFrame = 1 << 20;

    /// <summary>The only variables a CNI invocation carries; the daemon accepts no others.</summary>
    public static readonly IReadOnlyList<string> Variables = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"];

    public static byte[] EncodeRequest(HandoffRequest request)
    {
        var body = new Writer();
        body.Byte(Version);
        body.Int(request.Environment.Count);
        foreach (var (name, value) in request.Environment)
        {
            body.String(name);
            body.String(value);
        }
        body.String(request.InvokedAs);
        body.Bytes(request.Stdin);
        return body.Framed();
    }

    /// <summary>Decodes a request's payload (the frame without its length).</summary>
    public static HandoffRequest DecodeRequest(ReadOnlySpan<byte> payload)
    {
        var reader = new Reader(payload);
        var version = reader.Byte();
        if (version != Version)
            throw new HandoffFormatException($"handoff request version {version}, expected {Version}");
        var count = reader.Int();
        if (count < 0 || count > Variables.Count)
            throw new HandoffFormatException($"handoff request carries {count} variables, at most {Variables.Count} exist");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.String();
            if (!Variables.Contains(name))
                throw new HandoffFormatException($"handoff request variable '{name}' is not a CNI variable");
            if (!environment.TryAdd(name, reader.String()))
                throw new HandoffFormatException($"handoff request variable {name} given twice");
        }
        var request = new HandoffRequest(reader.String(), environment, reader.Bytes().ToArray());
        reader.End();
        return request;
    }

    public static byte[] EncodeReply(HandoffReply reply)
    {
        var body = new Writer();
        body.Int(reply.ExitCode);
        body.Bytes(reply.Stdout);
        return body.Framed();
    }

    public static HandoffReply DecodeReply(ReadOnlySpan<byte> payload)
    {
        var reader = new Reader(payload);
        var reply = new HandoffReply(reader.Int(), reader.Bytes().ToArray());
        reader.End();
        return reply;
    }

    /// <summary>The length of the frame whose 4-byte header is <paramref name="header"/>, checked against <see cref="MaxFrame"/>.</summary>
    public static int FrameLength(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is < 0 or > MaxFrame)
            throw new HandoffFormatException($"handoff frame of {length} bytes (at most {MaxFrame})");
        return length;
    }

    /// <summary>Reads one frame's payload, blocking (the plugin's side, with the socket's receive timeout).</summary>
    public static byte[] ReadFrame(Stream stream)
    {
        Span<byte> header = stackalloc byte[4];
        stream.ReadExactly(header);
        var payload = new byte[FrameLength(header)];
        stream.ReadExactly(payload);
        return payload;
    }

    /// <summary>Reads one frame's payload (the daemon's side); a peer that closes early is <see cref="EndOfStreamException"/>.</summary>
    public static async Task<byte[]> ReadFrameAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, ct);
        var payload = new byte[FrameLength(header)];
        await stream.ReadExactlyAsync(payload, ct);
        return payload;
    }

    private sealed class Writer
    {
        private readonly MemoryStream _buffer = new();

        public Writer() => _buffer.Write([0, 0, 0, 0]); // the frame length, filled in by Framed

        public void Byte(byte value) => _buffer.WriteByte(value);

        public void Int(int value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bytes, value);
            _buffer.Write(bytes);
        }

        public void String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

        public void Bytes(ReadOnlySpan<byte> value)
        {
            Int(value.Length);
            _buffer.Write(value);
        }

        public byte[] Framed()
        {
            var frame = _buffer.ToArray();
            if (frame.Length - 4 > MaxFrame)
                throw new HandoffFormatException($"handoff frame of {frame.Length - 4} bytes (at most {MaxFrame})");
            BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
            return frame;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> payload)
    {
        private ReadOnlySpan<byte> _rest = payload;

        public byte Byte() => Take(1)[0];

        public int Int() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public string String()
        {
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes());
            }
            catch (DecoderFallbackException)
            {
                throw new HandoffFormatException("handoff request string is not UTF-8");
            }
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = Int();
            if (length < 0)
                throw new HandoffFormatException($"handoff field of negative length {length}");
            return Take(length);
        }

        public void End()
        {
            if (!_rest.IsEmpty)
                throw new HandoffFormatException($"{_rest.Length} bytes after the end of the handoff frame");
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (_rest.Length < count)
                throw new HandoffFormatException("handoff frame is truncated");
            var taken = _rest[..count];
            _rest = _rest[count..];
            return taken;
        }
    }
}
