using System.Buffers.Binary;

namespace L3Net.Bfd.Wire;

/// <summary>RFC 5880 4.1 session states, as carried in the Sta field.</summary>
public enum BfdState : byte
{
    AdminDown = 0,
    Down = 1,
    Init = 2,
    Up = 3,
}

/// <summary>RFC 5880 4.1 diagnostic codes: why the sender's session last left Up.</summary>
public enum BfdDiagnostic : byte
{
    None = 0,
    ControlDetectionTimeExpired = 1,
    EchoFunctionFailed = 2,
    NeighborSignaledSessionDown = 3,
    ForwardingPlaneReset = 4,
    PathDown = 5,
    ConcatenatedPathDown = 6,
    AdministrativelyDown = 7,
    ReverseConcatenatedPathDown = 8,
}

/// <summary>
/// The mandatory section of a BFD Control packet (RFC 5880 4.1), 24 bytes. Intervals are in microseconds, as on the
/// wire. Authentication is not supported: a packet with the A bit is refused by <see cref="TryParse"/>, which is what
/// 6.8.6 asks of a session without authentication.
/// </summary>
public readonly record struct ControlPacket
{
    public const int Length = 24;
    public const byte Version = 1;

    public BfdDiagnostic Diagnostic { get; init; }
    public BfdState State { get; init; }
    public bool Poll { get; init; }
    public bool Final { get; init; }
    public bool ControlPlaneIndependent { get; init; }
    public bool Demand { get; init; }
    public byte DetectMultiplier { get; init; }
    public uint MyDiscriminator { get; init; }
    public uint YourDiscriminator { get; init; }
    public uint DesiredMinTxUs { get; init; }
    public uint RequiredMinRxUs { get; init; }
    public uint RequiredMinEchoRxUs { get; init; }

    /// <summary>Writes the packet into <paramref name="buffer"/> (at least <see cref="Length"/> bytes); returns the length.</summary>
    public int WriteTo(Span<byte> buffer)
    {
        buffer[0] = (byte)(Version << 5 | (byte)Diagnostic & 0x1f);
        buffer[1] = (byte)((byte)State << 6 | (Poll ? 0x20 : 0) | (Final ? 0x10 : 0) | (ControlPlaneIndependent ? 0x08 : 0) | (Demand ? 0x02 : 0));
        buffer[2] = DetectMultiplier;
        buffer[3] = Length;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], MyDiscriminator);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], YourDiscriminator);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[12..], DesiredMinTxUs);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[16..], RequiredMinRxUs);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[20..], RequiredMinEchoRxUs);
        return Length;
    }

    /// <summary>
    /// The packet-level reception checks of RFC 5880 6.8.6 (those that need no session): version 1, a length field of
    /// at least 24 that fits the datagram, a non-zero detect multiplier, no multipoint bit, a non-zero My Discriminator,
    /// Your Discriminator zero only in Down or AdminDown, and no authentication. Returns why a packet is discarded.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out ControlPacket packet, out string? error)
    {
        packet = default;
        error = Check(datagram);
        if (error is not null)
            return false;
        var flags = datagram[1];
        packet = new ControlPacket
        {
            Diagnostic = (BfdDiagnostic)(datagram[0] & 0x1f),
            State = (BfdState)(flags >> 6),
            Poll = (flags & 0x20) != 0,
            Final = (flags & 0x10) != 0,
            ControlPlaneIndependent = (flags & 0x08) != 0,
            Demand = (flags & 0x02) != 0,
            DetectMultiplier = datagram[2],
            MyDiscriminator = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            YourDiscriminator = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]),
            DesiredMinTxUs = BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]),
            RequiredMinRxUs = BinaryPrimitives.ReadUInt32BigEndian(datagram[16..]),
            RequiredMinEchoRxUs = BinaryPrimitives.ReadUInt32BigEndian(datagram[20..]),
        };
        if (packet.YourDiscriminator == 0 && packet.State is not (BfdState.Down or BfdState.AdminDown))
            error = $"Your Discriminator is zero in state {packet.State}";
        else if (packet.Poll && packet.Final)
            error = "both Poll and Final set";
        return error is null;
    }

    private static string? Check(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Length)
            return $"datagram of {datagram.Length} bytes is shorter than a control packet ({Length})";
        if (datagram[0] >> 5 != Version)
            return $"version {datagram[0] >> 5}, not {Version}";
        var flags = datagram[1];
        if ((flags & 0x04) != 0)
            return "authentication present, none configured";
        if (datagram[3] < Length)
            return $"length field {datagram[3]} is shorter than {Length}";
        if (datagram[3] > datagram.Length)
            return $"length field {datagram[3]} exceeds the datagram ({datagram.Length} bytes)";
        if (datagram[2] == 0)
            return "detect multiplier is zero";
        if ((flags & 0x01) != 0)
            return "multipoint bit set";
        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == 0)
            return "My Discriminator is zero";
        return null;
    }

    public override string ToString()
        => $"{State} diag={Diagnostic} mult={DetectMultiplier} my={MyDiscriminator} your={YourDiscriminator} tx={DesiredMinTxUs}us rx={RequiredMinRxUs}us"
         + (Poll ? " P" : "") + (Final ? " F" : "");
}
