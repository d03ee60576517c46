using System.Buffers;
using System.Buffers.Binary;

namespace L3Net.Bgp.Wire;

public enum MessageType : byte
{
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
    RouteRefresh = 5,
}

/// <summary>
/// The 19-byte message header (RFC 4271 4.1): framing over a pipe and writing. The length is checked against the
/// negotiated maximum as soon as the header is in, before waiting for the body, so a bogus length can never make us
/// buffer or wait for data that should not come.
/// </summary>
public static class MessageFrame
{
    public const int HeaderLength = 19;
    public const int MaxLength = 4096;

    /// <summary>Takes one whole message off the front of <paramref name="buffer"/>; false when more bytes are needed.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out MessageType type, out ReadOnlySequence<byte> body)
    {
        type = default;
        body = default;
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> header = stackalloc byte[HeaderLength];
        if (!reader.TryCopyTo(header))
            return false;
        var length = CheckHeader(header, maxLength);
        type = (MessageType)header[18];
        if (buffer.Length < length)
            return false;
        body = buffer.Slice(HeaderLength, length - HeaderLength);
        buffer = buffer.Slice(length);
        return true;
    }

    /// <summary>Validates marker, length and type; returns the length.</summary>
    public static int CheckHeader(ReadOnlySpan<byte> header, int maxLength)
    {
        if (header[..16].ContainsAnyExcept((byte)0xFF))
            throw new BgpProtocolException(BgpError.MessageHeader, BgpSubcode.ConnectionNotSynchronized, "marker is not all ones");
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        var type = header[18];
        var minimum = type switch { 1 => 29, 2 => 23, 3 => 21, 4 => 19, 5 => 23, _ => -1 };
        if (minimum < 0)
            throw new BgpProtocolException(BgpError.MessageHeader, BgpSubcode.BadMessageType, $"message type {type}", [type]);
        var tooLong = length > maxLength || (type == 4 && length != 19) || (type == 5 && length != 23) || (type == 1 && length > MaxLength);
        if (length < minimum || tooLong)
            throw new BgpProtocolException(BgpError.MessageHeader, BgpSubcode.BadMessageLength, $"length {length} for message type {type}",
                [(byte)(length >> 8), (byte)length]);
        return length;
    }

    public static void WriteHeader(Span<byte> dst, int length, MessageType type)
    {
        dst[..16].Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(dst[16..], (ushort)length);
        dst[18] = (byte)type;
    }

    public static byte[] Keepalive()
    {
        var b = new byte[HeaderLength];
        WriteHeader(b, HeaderLength, MessageType.Keepalive);
        return b;
    }
}

/// <summary>NOTIFICATION (RFC 4271 4.5).</summary>
public sealed record NotificationMessage(BgpError Code, byte Subcode, byte[] Data)
{
    public byte[] Encode()
    {
        var b = new byte[MessageFrame.HeaderLength + 2 + Data.Length];
        MessageFrame.WriteHeader(b, b.Length, MessageType.Notification);
        b[19] = (byte)Code;
        b[20] = Subcode;
        Data.CopyTo(b, 21);
        return b;
    }

    public static NotificationMessage Decode(ReadOnlySpan<byte> body) => new((BgpError)body[0], body[1], body[2..].ToArray());

    public override string ToString() => $"{Code} ({(byte)Code}/{Subcode}){(Data.Length > 0 ? " data " + Convert.ToHexString(Data) : "")}";
}

/// <summary>ROUTE-REFRESH (RFC 2918): AFI, reserved, SAFI.</summary>
public readonly record struct RouteRefreshMessage(Afi Afi)
{
    public byte[] Encode()
    {
        var b = new byte[MessageFrame.HeaderLength + 4];
        MessageFrame.WriteHeader(b, b.Length, MessageType.RouteRefresh);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(19), (ushort)Afi);
        b[22] = 1;
        return b;
    }

    public static RouteRefreshMessage Decode(ReadOnlySpan<byte> body) => new((Afi)BinaryPrimitives.ReadUInt16BigEndian(body));
}
