using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace L3Net.Netlink;

/// <summary>Walks the 4-byte-aligned (length, type, payload) attributes of one message without copying.</summary>
internal ref struct AttributeReader(ReadOnlySpan<byte> attributes)
{
    private ReadOnlySpan<byte> _rest = attributes;

    public ushort Type { get; private set; }

    public ReadOnlySpan<byte> Payload { get; private set; }

    public bool MoveNext()
    {
        if (_rest.Length < 4)
            return false;
        var length = MemoryMarshal.Read<ushort>(_rest);
        if (length < 4 || length > _rest.Length)
            return false;
        // The top two bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER, not part of the type.
        Type = (ushort)(MemoryMarshal.Read<ushort>(_rest[2..]) & 0x3fff);
        Payload = _rest[4..length];
        var aligned = (length + 3) & ~3;
        _rest = aligned >= _rest.Length ? [] : _rest[aligned..];
        return true;
    }

    public static string String(ReadOnlySpan<byte> payload)
    {
        var end = payload.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? payload : payload[..end]);
    }

    // The kernel never sends the sizes refused below; a reply that has them is malformed, and says so as the
    // NetlinkException every caller already handles, not as an exception from deep inside a parser.

    public static uint U32(ReadOnlySpan<byte> payload) =>
        payload.Length >= 4 ? MemoryMarshal.Read<uint>(payload) : throw Malformed($"a 32-bit attribute of {payload.Length} bytes");

    public static IPAddress Address(ReadOnlySpan<byte> payload) =>
        payload.Length is 4 or 16 ? new(payload) : throw Malformed($"an address attribute of {payload.Length} bytes");

    /// <summary>The fixed family struct at the front of a message payload, and the attributes after it.</summary>
    public static T Header<T>(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> attributes) where T : unmanaged
    {
        var length = Unsafe.SizeOf<T>();
        if (payload.Length < length)
            throw Malformed($"a message of {payload.Length} bytes, shorter than its {typeof(T).Name}");
        var size = (length + 3) & ~3;
        attributes = payload.Length > size ? payload[size..] : [];
        return MemoryMarshal.Read<T>(payload);
    }

    public static NetlinkException Malformed(string what) => new($"malformed netlink reply: {what}", NetlinkException.EINVAL);
}
