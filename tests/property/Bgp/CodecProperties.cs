using System.Buffers;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Property.Bgp;

/// <summary>Codec laws: what we encode decodes to the same thing, and no byte stream makes the decoder fail with
/// anything but the protocol error that maps to a NOTIFICATION (or hang: every call returns).</summary>
[Properties(Arbitrary = new[] { typeof(CodecArbitraries) })]
public sealed class CodecProperties
{
    private static ParsedUpdate DecodeOne(ReadOnlySpan<byte> message, bool fourOctet)
    {
        var seq = new ReadOnlySequence<byte>(message.ToArray());
        Assert.True(MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out var type, out var body));
        Assert.Equal(MessageType.Update, type);
        var parsed = new ParsedUpdate();
        new UpdateDecoder(new DecodeContext(fourOctet, false)).Decode(body.ToArray(), parsed);
        return parsed;
    }

    [Property(MaxTest = 300)]
    public void Encoded_UPDATEs_decode_to_the_same_attributes_and_prefixes(Announcement t)
    {
        var buffer = new byte[MessageFrame.MaxLength];
        var n = UpdateWriter.WriteAnnounce(buffer, t.Attributes, t.Prefixes, t.FourOctetAs, out var consumed);
        Assert.Equal(t.Prefixes.Length, consumed);
        var parsed = DecodeOne(buffer.AsSpan(0, n), t.FourOctetAs);
        Assert.Equal(t.Attributes, parsed.Announced.Count > 0 ? parsed.Attributes : parsed.MpAttributes);
        Assert.Equal(t.Prefixes, parsed.Announced.Concat(parsed.MpAnnounced).ToArray());
    }

    [Property(MaxTest = 2000)]
    public void Random_and_mutated_bytes_only_ever_raise_protocol_errors(Announcement t, NonEmptyArray<int> flips, bool garbage)
    {
        var buffer = new byte[MessageFrame.MaxLength];
        var n = UpdateWriter.WriteAnnounce(buffer, t.Attributes, t.Prefixes, true, out _);
        var message = buffer[..n];
        var rng = new Random(flips.Get[0]);
        if (garbage)
            rng.NextBytes(message.AsSpan(19)); // keep a valid header, random body
        else
            foreach (var f in flips.Get)
                message[19 + (int)((uint)f % (uint)(n - 19))] = (byte)rng.Next(256); // body bytes only; the header has its own test
        try
        {
            var parsed = new ParsedUpdate();
            new UpdateDecoder(new DecodeContext(true, false)).Decode(message.AsSpan(19), parsed);
        }
        catch (BgpProtocolException e)
        {
            Assert.Equal(BgpError.UpdateMessage, e.Code);
        }
    }

    [Property(MaxTest = 1000)]
    public void Random_headers_are_framed_or_rejected_with_a_header_error(byte[] bytes)
    {
        // Most inputs get a valid marker, so that the length and type checks behind it are reached too.
        if (bytes.Length > 0 && bytes[0] < 200)
            bytes.AsSpan(0, Math.Min(16, bytes.Length)).Fill(0xFF);
        var seq = new ReadOnlySequence<byte>(bytes);
        try
        {
            if (MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out _, out var body))
                Assert.True(body.Length <= bytes.Length - 19);
        }
        catch (BgpProtocolException e)
        {
            Assert.Equal(BgpError.MessageHeader, e.Code);
        }
    }
}

/// <summary>One UPDATE's worth of routes: attributes and 1-40 prefixes of one family, and whether the session speaks
/// four-octet AS numbers.</summary>
public sealed record Announcement(PathAttributes Attributes, Prefix[] Prefixes, bool FourOctetAs)
{
    public override string ToString() => $"Announcement {{ {Attributes}, [{string.Join(' ', Prefixes)}], FourOctetAs = {FourOctetAs} }}";
}

public static class CodecArbitraries
{
    private static readonly Gen<uint> Asn = Gen.Choose(1, int.MaxValue).Select(i => (uint)i * 2);

    private static readonly Gen<PathAttributes> Attributes =
        from origin in Gen.Choose(0, 2)
        from path in Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Asn, n))
        from med in Gen.Choose(-1, 1000)
        from communities in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Asn, n))
        from nh in Gen.Choose(1, 200)
        select new PathAttributes
        {
            Origin = (Origin)origin,
            AsPath = path.Length == 0 ? default : new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>(path))])),
            Med = med < 0 ? null : (uint)med,
            Communities = new ValueArray<uint>(communities),
            NextHop = new IPAddress([10, (byte)nh, 0, 1]),
        };

    private static readonly Gen<Prefix> V4Prefix =
        from a in Gen.Choose(0, int.MaxValue) from len in Gen.Choose(0, 32)
        select Prefix.Create(Afi.IPv4, BitConverter.GetBytes(a), len);

    private static readonly Gen<Prefix> V6Prefix =
        from a in Gen.Choose(0, int.MaxValue) from b in Gen.Choose(0, int.MaxValue) from len in Gen.Choose(0, 128)
        select Prefix.Create(Afi.IPv6, [.. BitConverter.GetBytes(a), .. BitConverter.GetBytes(b), 0, 0, 0, 0, 0, 0, 0, 1], len);

    /// <summary>Shrinks by dropping prefixes (one always stays) and by clearing the optional attributes.</summary>
    public static Arbitrary<Announcement> Announcements() => Arb.From(
        from a in Attributes from v6 in Gen.Elements(false, true) from four in Gen.Elements(false, true)
        from prefixes in Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(v6 ? V6Prefix : V4Prefix, n))
        select new Announcement(v6 ? a with { NextHop = IPAddress.Parse("fd00::1") } : a, prefixes, four),
        Shrink);

    private static IEnumerable<Announcement> Shrink(Announcement t)
    {
        foreach (var fewer in Histories.Shrink(t.Prefixes))
            yield return t with { Prefixes = fewer };
        if (t.Attributes.Communities.Count > 0 || t.Attributes.Med is not null)
            yield return t with { Attributes = t.Attributes with { Communities = default, Med = null } };
    }
}
