using L3Net.Bgp.Wire;
using Xunit;
using static L3Net.Tests.Unit.Bgp.WireSamples;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>Issue 10's interop rules that live in the codec (the session-level ones are in tests/e2e/Bgp:
/// OpenNegotiationTests for unknown capabilities, 2/7 and MD5 failing closed, InteropTests for MD5 on the listening
/// socket and RFC 2545 link-local next hops).</summary>
public sealed class InteropRulesTests
{
    [Theory]
    [InlineData(65001u, 65001)]
    [InlineData(65535u, 65535)]
    [InlineData(65536u, 23456)]
    [InlineData(4200000001u, 23456)]
    public void AS_TRANS_goes_in_the_OPEN_only_when_our_ASN_does_not_fit_two_octets(uint asn, int myAsField)
    {
        var bytes = new OpenMessage { MyAs = asn, HoldTime = 90, BgpId = 1, Families = [Afi.IPv4], FourOctetAs = true }.Encode();
        Assert.Equal(myAsField, bytes[20] << 8 | bytes[21]);
        Assert.Equal(asn, OpenMessage.Decode(bytes.AsSpan(19)).MyAs);
    }

    [Theory]
    [InlineData(true, new byte[] { 2, 1, 0, 0, 0xFD, 0xE9 }, new uint[] { 65001 })]             // 4-octet path, 4-octet session
    [InlineData(false, new byte[] { 2, 2, 0xFD, 0xE9, 0xFD, 0xEA }, new uint[] { 65001, 65002 })] // 2-octet path, 2-octet session
    [InlineData(false, new byte[] { 2, 1, 0, 0, 0xFD, 0xE9 }, null)]                             // 4-octet path on a 2-octet session
    [InlineData(true, new byte[] { 2, 2, 0xFD, 0xE9, 0xFD, 0xEA }, null)]                        // 2-octet path on a 4-octet session
    public void AS_PATH_is_read_by_the_negotiated_capability_never_guessed(bool fourOctetSession, byte[] path, uint[]? expected)
    {
        byte[] attributes = [0x40, 1, 1, 0, 0x40, 2, (byte)path.Length, .. path, 0x40, 3, 4, 10, 0, 0, 1];
        var parsed = Decode(RawUpdate(attributes, [24, 10, 1, 2]), new UpdateDecoder(new DecodeContext(fourOctetSession, false)));
        if (expected is null)
        {
            // The other width's reading would have been well formed: a guessing decoder would accept it.
            Assert.NotNull(parsed.TreatAsWithdrawReason);
            Assert.Empty(parsed.Announced);
        }
        else
            Assert.Equal(expected, parsed.Attributes!.AsPath.Segments.Span[0].Asns.Span.ToArray());
    }

    [Fact]
    public void An_unknown_capability_never_fails_the_OPEN()
    {
        var open = new OpenMessage
        {
            MyAs = 65001, HoldTime = 90, BgpId = 1, Families = [Afi.IPv4], FourOctetAs = true,
            Unknown = [new RawCapability(200, new ValueArray<byte>([9, 9, 9])), new RawCapability(73, new ValueArray<byte>([]))],
        };
        var decoded = OpenMessage.Decode(open.Encode().AsSpan(19));
        Assert.Equal([200, 73], decoded.Unknown.Select(c => (int)c.Code));
        Assert.Equal([Afi.IPv4], decoded.Families);
    }
}
