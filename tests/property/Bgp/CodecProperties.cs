using System.Buffers;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using L3Net.Bgp.Wire;
using Xunit;

namespace L3Net.Tests.Property.Bgp;

/// <summary>Codec laws: what we encode decodes to the same thing, and no byte stream makes the decoder fail with
/// anything but the protocol error that maps to a NOTIFICATION (or hang: every call returns).</summary>
public sealed class CodecProperties
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

    private static ParsedUpdate DecodeOne(ReadOnlySpan<byte> message, bool fourOctet)
    {
        var seq = new ReadOnlySequence<byte>(message.ToArray());
        Assert.True(MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out var type, out var body));
        Assert.Equal(MessageType.Update, type);
        var parsed = new ParsedUpdate();
        new UpdateDecoder(new DecodeContext(fourOctet, false)).Decode(body.ToArray(), parsed);
        return parsed;
    }

    [Fact]
    public void Encoded_UPDATEs_decode_to_the_same_attributes_and_prefixes()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Arb.From(
            from a in Attributes from v6 in Gen.Elements(false, true) from four in Gen.Elements(false, true)
            from prefixes in Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(v6 ? V6Prefix : V4Prefix, n))
            select (a: v6 ? a with { NextHop = IPAddress.Parse("fd00::1") } : a, prefixes, four)), t =>
        {
            var buffer = new byte[MessageFrame.MaxLength];
            var n = UpdateWriter.WriteAnnounce(buffer, t.a, t.prefixes, t.four, out var consumed);
            Assert.Equal(t.prefixes.Length, consumed);
            var parsed = DecodeOne(buffer.AsSpan(0, n), t.four);
            Assert.Equal(t.a, parsed.Announced.Count > 0 ? parsed.Attributes : parsed.MpAttributes);
            Assert.Equal(t.prefixes, [.. parsed.Announced, .. parsed.MpAnnounced]);
        }));

    [Fact]
    public void Random_and_mutated_bytes_only_ever_raise_protocol_errors()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(Arb.From(
            from a in Attributes
            from prefixes in Gen.Choose(1, 10).SelectMany(n => Gen.ArrayOf(V4Prefix, n))
            from flips in Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, int.MaxValue), n))
            from garbage in Gen.Elements(false, true)
            select (a, prefixes, flips, garbage)), t =>
        {
            var buffer = new byte[MessageFrame.MaxLength];
            var n = UpdateWriter.WriteAnnounce(buffer, t.a, t.prefixes, true, out _);
            var message = buffer[..n];
            var rng = new Random(t.flips[0]);
            if (t.garbage)
                rng.NextBytes(message.AsSpan(19)); // keep a valid header, random body
            else
                foreach (var f in t.flips)
                    message[19 + f % (n - 19)] = (byte)rng.Next(256); // mutate body bytes only; the header has its own test
            try
            {
                var parsed = new ParsedUpdate();
                new UpdateDecoder(new DecodeContext(true, false)).Decode(message.AsSpan(19), parsed);
            }
            catch (BgpProtocolException e)
            {
                Assert.Equal(BgpError.UpdateMessage, e.Code);
            }
        }));

    [Fact]
    public void Random_headers_are_framed_or_rejected_with_a_header_error()
        => Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(Arb.From(Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 40)), bytes =>
        {
            for (var i = 0; i < 16; i++)
                bytes[i] = bytes[0] < 200 ? (byte)0xFF : bytes[i];
            var seq = new ReadOnlySequence<byte>(bytes);
            try
            {
                if (MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out _, out var body))
                    Assert.True(body.Length <= 21);
            }
            catch (BgpProtocolException e)
            {
                Assert.Equal(BgpError.MessageHeader, e.Code);
            }
        }));
}
