using System.Buffers.Binary;

namespace L3Net.Bgp.Wire;

/// <summary>Capability codes (RFC 5492 registry) we act on.</summary>
public static class CapabilityCode
{
    public const byte Multiprotocol = 1, RouteRefresh = 2, GracefulRestart = 64, FourOctetAs = 65, EnhancedRouteRefresh = 70;
}

/// <summary>A capability we do not act on: kept so that it round-trips and can be named in logs; never a reason to refuse.</summary>
public readonly record struct RawCapability(byte Code, ValueArray<byte> Value);

/// <summary>RFC 4724: restart flag, restart time (12 bits), and per family whether forwarding state was kept.</summary>
public sealed record GracefulRestartCapability(bool Restarting, ushort RestartTime, IReadOnlyList<(Afi Afi, bool ForwardingPreserved)> Families);

/// <summary>OPEN (RFC 4271 4.2) with its capabilities (RFC 5492).</summary>
public sealed record OpenMessage
{
    public const byte Version = 4;

    /// <summary>The speaker's real AS: from the four-octet capability when present, else the two-octet field.</summary>
    public required uint MyAs { get; init; }
    public required ushort HoldTime { get; init; }
    public required uint BgpId { get; init; }
    public IReadOnlyList<Afi> Families { get; init; } = [];
    public bool RouteRefresh { get; init; }
    public bool FourOctetAs { get; init; }
    public bool EnhancedRouteRefresh { get; init; }
    public GracefulRestartCapability? GracefulRestart { get; init; }
    public IReadOnlyList<RawCapability> Unknown { get; init; } = [];

    public byte[] Encode()
    {
        var caps = new List<byte>();
        foreach (var afi in Families)
            AddCap(caps, CapabilityCode.Multiprotocol, [(byte)((ushort)afi >> 8), (byte)afi, 0, 1]);
        if (RouteRefresh)
            AddCap(caps, CapabilityCode.RouteRefresh, []);
        if (EnhancedRouteRefresh)
            AddCap(caps, CapabilityCode.EnhancedRouteRefresh, []);
        if (GracefulRestart is { } gr)
        {
            var v = new List<byte> { (byte)((gr.Restarting ? 0x80 : 0) | ((gr.RestartTime >> 8) & 0x0F)), (byte)gr.RestartTime };
            foreach (var (afi, fwd) in gr.Families)
                v.AddRange([(byte)((ushort)afi >> 8), (byte)afi, 1, (byte)(fwd ? 0x80 : 0)]);
            AddCap(caps, CapabilityCode.GracefulRestart, [.. v]);
        }
        if (FourOctetAs)
            AddCap(caps, CapabilityCode.FourOctetAs, [(byte)(MyAs >> 24), (byte)(MyAs >> 16), (byte)(MyAs >> 8), (byte)MyAs]);
        foreach (var raw in Unknown)
            AddCap(caps, raw.Code, raw.Value.Span.ToArray());
        var optLength = caps.Count == 0 ? 0 : caps.Count + 2;
        var b = new byte[MessageFrame.HeaderLength + 10 + optLength];
        MessageFrame.WriteHeader(b, b.Length, MessageType.Open);
        var s = b.AsSpan(MessageFrame.HeaderLength);
        s[0] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(s[1..], MyAs > ushort.MaxValue ? AttributeWriter.AsTrans : (ushort)MyAs);
        BinaryPrimitives.WriteUInt16BigEndian(s[3..], HoldTime);
        BinaryPrimitives.WriteUInt32BigEndian(s[5..], BgpId);
        s[9] = (byte)optLength;
        if (optLength > 0)
        {
            s[10] = 2; // optional parameter: capabilities
            s[11] = (byte)caps.Count;
            caps.CopyTo(s[12..]);
        }
        return b;
    }

    private static void AddCap(List<byte> caps, byte code, byte[] value)
    {
        caps.Add(code);
        caps.Add((byte)value.Length);
        caps.AddRange(value);
    }

    /// <summary>Decodes and checks an OPEN body; errors carry the OPEN subcode RFC 4271 6.2 names.</summary>
    public static OpenMessage Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 10)
            throw new BgpProtocolException(BgpError.MessageHeader, BgpSubcode.BadMessageLength, "OPEN too short");
        if (body[0] != Version)
            throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.UnsupportedVersion, $"BGP version {body[0]}", [0, Version]);
        var holdTime = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
        if (holdTime is 1 or 2)
            throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.UnacceptableHoldTime, $"hold time {holdTime}");
        var bgpId = BinaryPrimitives.ReadUInt32BigEndian(body[5..]);
        if (bgpId == 0)
            throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.BadBgpIdentifier, "BGP identifier 0");
        int optLength = body[9];
        if (10 + optLength != body.Length)
            throw new BgpProtocolException(BgpError.OpenMessage, 0, "optional parameters length does not match the message");
        var open = new OpenMessage { MyAs = BinaryPrimitives.ReadUInt16BigEndian(body[1..]), HoldTime = holdTime, BgpId = bgpId };
        var families = new List<Afi>();
        var unknown = new List<RawCapability>();
        var p = body.Slice(10, optLength);
        while (!p.IsEmpty)
        {
            if (p.Length < 2 || p.Length < 2 + p[1])
                throw new BgpProtocolException(BgpError.OpenMessage, 0, "optional parameter overruns the OPEN");
            var type = p[0];
            var value = p.Slice(2, p[1]);
            p = p[(2 + p[1])..];
            if (type != 2)
                throw new BgpProtocolException(BgpError.OpenMessage, BgpSubcode.UnsupportedOptionalParameter, $"optional parameter {type}");
            while (!value.IsEmpty)
            {
                if (value.Length < 2 || value.Length < 2 + value[1])
                    throw new BgpProtocolException(BgpError.OpenMessage, 0, "capability overruns its parameter");
                open = ReadCapability(open, value[0], value.Slice(2, value[1]), families, unknown);
                value = value[(2 + value[1])..];
            }
        }
        return open with { Families = families, Unknown = unknown };
    }

    private static OpenMessage ReadCapability(OpenMessage open, byte code, ReadOnlySpan<byte> v, List<Afi> families, List<RawCapability> unknown)
    {
        switch (code)
        {
            case CapabilityCode.Multiprotocol when v.Length == 4 && v[3] == 1 && BinaryPrimitives.ReadUInt16BigEndian(v) is 1 or 2:
                families.Add((Afi)BinaryPrimitives.ReadUInt16BigEndian(v));
                return open;
            case CapabilityCode.RouteRefresh when v.IsEmpty:
                return open with { RouteRefresh = true };
            case CapabilityCode.EnhancedRouteRefresh when v.IsEmpty:
                return open with { EnhancedRouteRefresh = true };
            case CapabilityCode.FourOctetAs when v.Length == 4:
                return open with { FourOctetAs = true, MyAs = BinaryPrimitives.ReadUInt32BigEndian(v) };
            case CapabilityCode.GracefulRestart when v.Length >= 2 && (v.Length - 2) % 4 == 0:
                var list = new List<(Afi, bool)>();
                for (var i = 2; i < v.Length; i += 4)
                    if (v[i + 2] == 1 && BinaryPrimitives.ReadUInt16BigEndian(v[i..]) is 1 or 2)
                        list.Add(((Afi)BinaryPrimitives.ReadUInt16BigEndian(v[i..]), (v[i + 3] & 0x80) != 0));
                return open with { GracefulRestart = new GracefulRestartCapability((v[0] & 0x80) != 0, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(v) & 0x0FFF), list) };
            default:
                unknown.Add(new RawCapability(code, new ValueArray<byte>(v.ToArray())));
                return open;
        }
    }
}
