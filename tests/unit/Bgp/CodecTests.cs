using System.Buffers;
using System.Net;
using L3Net.Bgp.Wire;
using Xunit;
using static L3Net.Tests.Unit.Bgp.WireSamples;

namespace L3Net.Tests.Unit.Bgp;

public sealed class CodecTests
{
    [Fact]
    public void An_IPv4_UPDATE_round_trips_with_every_attribute()
    {
        var a = Attributes with
        {
            LocalPref = 200, AtomicAggregate = true, Aggregator = new Aggregator(65001, 0x0A000001), OriginatorId = 7,
            ClusterList = new ValueArray<uint>([1, 2]), LargeCommunities = new ValueArray<LargeCommunity>([new LargeCommunity(1, 2, 3)]),
            Other = new ValueArray<RawAttribute>([new RawAttribute(0xE0, 99, new ValueArray<byte>([1, 2, 3]))]),
        };
        var parsed = Decode(Announce(a, ["10.1.0.0/16", "192.168.1.128/25", "0.0.0.0/0"]).Single(), new UpdateDecoder(new DecodeContext(true, true)));
        Assert.Equal(a, parsed.Attributes);
        Assert.Equal(["10.1.0.0/16", "192.168.1.128/25", "0.0.0.0/0"], parsed.Announced.Select(p => p.ToString()));
    }

    [Fact]
    public void An_IPv6_UPDATE_uses_MP_REACH_with_global_and_link_local_next_hops()
    {
        var a = Attributes with { NextHop = IPAddress.Parse("fd00::1"), LinkLocalNextHop = IPAddress.Parse("fe80::1") };
        var parsed = Decode(Announce(a, ["fd00:10::/64", "2001:db8::/32"]).Single());
        Assert.Empty(parsed.Announced);
        Assert.Equal(["fd00:10::/64", "2001:db8::/32"], parsed.MpAnnounced.Select(p => p.ToString()));
        Assert.Equal(a, parsed.MpAttributes);
    }

    [Fact]
    public void Withdrawals_and_End_of_RIB_decode_for_both_families()
    {
        var buffer = new byte[MessageFrame.MaxLength];
        foreach (var prefix in new[] { "10.0.0.0/8", "fd00::/8" })
        {
            var n = UpdateWriter.WriteWithdraw(buffer, [Prefix.Parse(prefix)], out _);
            Assert.Equal(prefix, Decode(buffer[..n]).Withdrawn.Single().ToString());
        }
        Assert.Equal(Afi.IPv4, Decode(buffer[..UpdateWriter.WriteEndOfRib(buffer, Afi.IPv4)]).EndOfRib);
        Assert.Equal(Afi.IPv6, Decode(buffer[..UpdateWriter.WriteEndOfRib(buffer, Afi.IPv6)]).EndOfRib);
    }

    [Fact]
    public void Many_prefixes_pack_into_few_messages_of_at_most_4096_bytes()
    {
        var prefixes = Enumerable.Range(0, 5000).Select(i => $"10.{i >> 8}.{i & 255}.0/24").ToList();
        var messages = Announce(Attributes, prefixes);
        Assert.All(messages, m => Assert.True(m.Length <= 4096));
        Assert.True(messages.Count <= 5000 * 4 / 4000 + 1, $"{messages.Count} messages");
        Assert.Equal(prefixes, messages.SelectMany(m => Decode(m).Announced).Select(p => p.ToString()));
    }

    [Fact]
    public void Identical_attribute_sets_are_interned_to_one_instance()
    {
        var decoder = new UpdateDecoder(new DecodeContext(true, false));
        var first = Decode(Announce(Attributes, ["10.0.0.0/24"]).Single(), decoder).Attributes;
        var second = Decode(Announce(Attributes, ["10.0.1.0/24"]).Single(), decoder).Attributes;
        Assert.Same(first, second);
        Assert.Equal(1, decoder.InternedCount);
    }

    [Fact]
    public void A_two_octet_session_carries_big_ASNs_as_AS_TRANS_plus_AS4_PATH()
    {
        var message = Announce(Attributes, ["10.0.0.0/24"], fourOctetAs: false).Single();
        Assert.Contains(Convert.ToHexString([0x5B, 0xA0]), Convert.ToHexString(message)); // AS_TRANS 23456
        var parsed = Decode(message, new UpdateDecoder(new DecodeContext(false, false)));
        Assert.Equal(Attributes.AsPath, parsed.Attributes!.AsPath);
    }

    [Fact]
    public void OPEN_round_trips_and_keeps_unknown_capabilities()
    {
        var open = new OpenMessage
        {
            MyAs = 4200000001, HoldTime = 90, BgpId = 0x0A000001, Families = [Afi.IPv4, Afi.IPv6], RouteRefresh = true, FourOctetAs = true,
            GracefulRestart = new GracefulRestartCapability(true, 120, [(Afi.IPv4, true)]),
            Unknown = [new RawCapability(73, new ValueArray<byte>([1, 2]))],
        };
        var bytes = open.Encode();
        var decoded = OpenMessage.Decode(bytes.AsSpan(19));
        Assert.Equal(bytes, decoded.Encode());
        Assert.Equal(4200000001u, decoded.MyAs);
        Assert.Equal(23456, bytes[20] << 8 | bytes[21]); // AS_TRANS in the two-octet field
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 1, 1, 9 }, "ORIGIN")]              // ORIGIN value out of range
    [InlineData(new byte[] { 0xC0, 1, 1, 0 }, "ORIGIN")]              // ORIGIN flagged optional
    [InlineData(new byte[] { 0xC0, 8, 3, 0, 0, 0 }, "COMMUNITIES")]   // COMMUNITIES not a multiple of 4
    [InlineData(new byte[] { 0xC0, 16, 0 }, "EXTENDED_COMMUNITIES")]  // EXTENDED_COMMUNITIES empty (RFC 7606 7.14)
    [InlineData(new byte[] { 0xC0, 16, 5, 0, 2, 0, 1, 0 }, "EXTENDED_COMMUNITIES")] // not a multiple of 8
    public void Malformed_attributes_make_the_UPDATE_treat_as_withdraw(byte[] extra, string reason)
    {
        // The malformed attribute comes first so that it wins over the well-formed copy (later duplicates are discarded).
        var parsed = Decode(RawUpdate([.. extra, .. Mandatory], [24, 10, 1, 2]));
        Assert.Contains(reason, parsed.TreatAsWithdrawReason);
        Assert.Equal("10.1.2.0/24", parsed.Withdrawn.Single().ToString());
        Assert.Empty(parsed.Announced);
    }

    [Fact]
    public void A_malformed_ATOMIC_AGGREGATE_is_discarded_and_the_route_kept()
    {
        var parsed = Decode(RawUpdate([.. Mandatory, 0x40, 6, 1, 0], [24, 10, 1, 2]));
        Assert.Null(parsed.TreatAsWithdrawReason);
        Assert.False(parsed.Attributes!.AtomicAggregate);
        Assert.Single(parsed.Announced);
    }

    [Fact]
    public void A_missing_mandatory_attribute_is_treat_as_withdraw()
        => Assert.Contains("missing", Decode(RawUpdate(Mandatory[..13], [24, 10, 1, 2])).TreatAsWithdrawReason);

    [Theory]
    [InlineData(new byte[] { 0x40, 77, 0 }, new byte[] { 24, 10, 1, 2 }, 3, 2)]                   // unrecognized well-known
    [InlineData(new byte[0], new byte[] { 33, 10, 1, 2, 3, 4 }, 3, 10)]                              // prefix length 33
    [InlineData(new byte[0], new byte[] { 24, 10, 1 }, 3, 10)]                                       // NLRI overruns
    [InlineData(new byte[] { 0x80, 14, 5, 0, 2, 1, 0, 0, 0x80, 14, 5, 0, 2, 1, 0, 0 }, new byte[0], 3, 1)] // MP_REACH twice
    [InlineData(new byte[] { 0x40, 5, 50, 0 }, new byte[] { 24, 10, 1, 2 }, 3, 1)]               // overrun, no MP attribute located
    [InlineData(new byte[] { 0x40, 1, 1, 9, 0x40, 77, 0 }, new byte[] { 24, 10, 1, 2 }, 3, 2)]  // a withdraw error, then a reset one
    [InlineData(new byte[] { 0xC0, 16, 0, 0x40, 77, 0 }, new byte[] { 24, 10, 1, 2 }, 3, 2)]    // bad EXTENDED_COMMUNITIES, then a reset
    public void Broken_UPDATEs_reset_the_session_with_the_RFC_subcode(byte[] extra, byte[] nlri, int code, int subcode)
    {
        // The broken part comes first: the decoder must not stop at the first error, nor let an earlier copy win.
        var e = Assert.Throws<BgpProtocolException>(() => Decode(RawUpdate([.. extra, .. Mandatory], nlri)));
        Assert.Equal((BgpError)code, e.Code);
        Assert.Equal(subcode, e.Subcode);
    }

    [Fact]
    public void A_missing_mandatory_attribute_does_not_hide_a_later_reset()
    {
        var e = Assert.Throws<BgpProtocolException>(() => Decode(RawUpdate([.. Mandatory[..13], 0x40, 77, 0], [24, 10, 1, 2])));
        Assert.Equal(BgpSubcode.UnrecognizedWellKnownAttribute, e.Subcode);
    }

    // MP_REACH_NLRI for 2001:db8::/32 with next hop fd00::1, under the given flags.
    private static byte[] MpReach(byte flags) =>
        [flags, 14, 26, 0, 2, 1, 16, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 32, 0x20, 0x01, 0x0D, 0xB8];

    [Fact]
    public void An_overrun_after_MP_REACH_withdraws_its_prefixes_and_keeps_the_session()
    {
        var parsed = Decode(RawUpdate([.. MpReach(0x80), .. Mandatory[..13], 0x40, 5, 50, 0], []));
        Assert.Contains("overruns", parsed.TreatAsWithdrawReason);
        Assert.Equal("2001:db8::/32", parsed.Withdrawn.Single().ToString());
        Assert.Empty(parsed.MpAnnounced);
    }

    [Theory]
    [InlineData(0x40)] // flagged well-known
    [InlineData(0xC0)] // flagged transitive
    public void MP_REACH_with_wrong_flags_is_treat_as_withdraw(byte flags)
    {
        var parsed = Decode(RawUpdate([.. MpReach(flags), .. Mandatory[..13]], []));
        Assert.Contains("MP_REACH_NLRI", parsed.TreatAsWithdrawReason);
        Assert.Equal("2001:db8::/32", parsed.Withdrawn.Single().ToString());
        Assert.Empty(parsed.MpAnnounced);
    }

    [Fact]
    public void MP_UNREACH_with_wrong_flags_still_withdraws_and_takes_the_UPDATE_s_routes_with_it()
    {
        byte[] unreach = [0x40, 15, 8, 0, 2, 1, 32, 0x20, 0x01, 0x0D, 0xB8];
        var parsed = Decode(RawUpdate([.. unreach, .. Mandatory], [24, 10, 1, 2]));
        Assert.Contains("MP_UNREACH_NLRI", parsed.TreatAsWithdrawReason);
        Assert.Equal(["2001:db8::/32", "10.1.2.0/24"], parsed.Withdrawn.Select(p => p.ToString()));
        Assert.Empty(parsed.Announced);
    }

    [Fact]
    public void The_header_is_checked_before_the_body_arrives()
    {
        var header = new byte[19];
        MessageFrame.WriteHeader(header, 60000, MessageType.Update);
        var seq = new ReadOnlySequence<byte>(header);
        var e = Assert.Throws<BgpProtocolException>(() => MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out _, out _));
        Assert.Equal((BgpError.MessageHeader, BgpSubcode.BadMessageLength), (e.Code, e.Subcode));
        Assert.Equal(new byte[] { 0xEA, 0x60 }, e.NotificationData);
        header[3] = 0;
        seq = new ReadOnlySequence<byte>(header);
        e = Assert.Throws<BgpProtocolException>(() => MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out _, out _));
        Assert.Equal((BgpError.MessageHeader, BgpSubcode.ConnectionNotSynchronized), (e.Code, e.Subcode));
    }
}
