using System.Net;
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

    public static uint U32(ReadOnlySpan<byte> payload) => MemoryMarshal.Read<uint>(payload);

    public static IPAddress Address(ReadOnlySpan<byte> payload) => new(payload);

    /// <summary>The fixed family struct at the front of a message payload, and the attributes after it.</summary>
    public static T Header<T>(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> attributes) where T : unmanaged
    {
        var size = (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() + 3) & ~3;
        attributes = payload.Length > size ? payload[size..] : [];
        return MemoryMarshal.Read<T>(payload);
    }
}
