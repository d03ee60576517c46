using L3Net.Bgp.Wire;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>What the speaker must do with one malformed UPDATE (RFC 7606 2, RFC 4271 6.3).</summary>
public enum Rfc7606Outcome
{
    /// <summary>The UPDATE's prefixes are withdrawn; the session stays up.</summary>
    TreatAsWithdraw,
    /// <summary>The attribute is dropped, the rest of the UPDATE is installed; the session stays up.</summary>
    AttributeDiscard,
    /// <summary>A well-formed unknown optional transitive attribute: installed and passed on with the Partial bit.</summary>
    Accepted,
    /// <summary>NOTIFICATION (code 3, the row's subcode) and the session closes. AFI/SAFI disable is never used: the
    /// speaker negotiates one family per session, so disabling it is a session reset.</summary>
    SessionReset,
}

/// <summary>One line of the table: a malformed UPDATE for the row's prefix and what the speaker must do with it.
/// <paramref name="Update"/> builds the UPDATE body from the row's prefix as NLRI bytes; <paramref name="Kept"/>
/// checks the installed route of an attribute-discard or accepted row; <paramref name="Internal"/> rows are sent by
/// the iBGP peer, the others by the eBGP peer.</summary>
public sealed record Rfc7606Row(string Name, string Attribute, string Malformation, Rfc7606Outcome Outcome, string Section,
    Func<byte[], byte[]> Update, Func<PathAttributes, bool>? Kept = null, byte Subcode = 0, bool Internal = false)
{
    public string Notification => Outcome == Rfc7606Outcome.SessionReset ? $"3/{Subcode} {SubcodeName(Subcode)}" : "none";

    private static string SubcodeName(byte subcode) => subcode switch
    {
        BgpSubcode.MalformedAttributeList => "Malformed Attribute List",
        BgpSubcode.UnrecognizedWellKnownAttribute => "Unrecognized Well-known Attribute",
        BgpSubcode.OptionalAttributeError => "Optional Attribute Error",
        BgpSubcode.InvalidNetworkField => "Invalid Network Field",
        _ => throw new ArgumentOutOfRangeException(nameof(subcode), subcode, "add its name"),
    };

    public string OutcomeText => Outcome switch
    {
        Rfc7606Outcome.TreatAsWithdraw => "treat-as-withdraw",
        Rfc7606Outcome.AttributeDiscard => "attribute-discard",
        Rfc7606Outcome.Accepted => "accepted, passed on Partial",
        _ => "session reset",
    };

    /// <summary>The row as a line of the table in docs/reliability.md.</summary>
    public string MarkdownLine => $"| {Attribute} | {Malformation} | {OutcomeText} | {Notification} | {Section} | `{Name}` |";
}

/// <summary>
/// RFC 7606 (and RFC 4271 6.3 where 7606 keeps it) as a table, one row per path attribute and malformation, for
/// sessions with four-octet AS numbers and IPv4 unicast: eBGP, and iBGP for the attributes only an internal peer
/// may send. Every malformed UPDATE carries MED 77, which the good
/// UPDATE installed before it does not: an attribute-discard row proves by it that the malformed UPDATE was applied.
/// </summary>
public static class Rfc7606Table
{
    private const byte O = AttributeFlags.Optional, T = AttributeFlags.Transitive, OT = O | T;
    private const byte Reach = AttributeType.MpReach, Unreach = AttributeType.MpUnreach;

    public static readonly byte[] IgpOrigin = Attr(T, AttributeType.Origin, 0);
    public static readonly byte[] PeerAsPath = Attr(T, AttributeType.AsPath, 2, 1, 0, 0, 0xFD, 0xE9); // AS_SEQUENCE [65001]
    public static readonly byte[] PeerNextHop = Attr(T, AttributeType.NextHop, 10, 0, 0, 1);
    public static readonly byte[] Med77 = Attr(O, AttributeType.Med, 0, 0, 0, 77);

    /// <summary>ORIGIN IGP, AS_PATH [65001], NEXT_HOP 10.0.0.1: what the good UPDATEs carry.</summary>
    public static readonly byte[] Good = [.. IgpOrigin, .. PeerAsPath, .. PeerNextHop];

    public static byte[] Attr(byte flags, byte type, params byte[] value) => [flags, type, (byte)value.Length, .. value];

    /// <summary>An UPDATE body: withdrawn routes, attributes, NLRI.</summary>
    private static Func<byte[], byte[]> Classic(params byte[][] attributes) => nlri => RawPeer.UpdateBody([], [.. attributes.SelectMany(a => a)], nlri);

    /// <summary>The mandatory attributes and the MED marker with <paramref name="extra"/> after them.</summary>
    private static Func<byte[], byte[]> With(params byte[] extra) => Classic(Good, Med77, extra);

    private static byte[] MpReach(byte flags, byte[] nlri, byte nextHopLength = 4)
        => Attr(flags, Reach, [0, 1, 1, nextHopLength, .. new byte[] { 10, 0, 0, 1, 0, 0 }[..nextHopLength], 0, .. nlri]);

    private static byte[] MpUnreach(byte flags, byte[] nlri) => Attr(flags, Unreach, [0, 1, 1, .. nlri]);

    private static Func<byte[], byte[]> Mp(Func<byte[], byte[]> attributes) => nlri => RawPeer.UpdateBody([], [.. IgpOrigin, .. PeerAsPath, .. Med77, .. attributes(nlri)], []);

    private static bool Applied(PathAttributes a) => a.Med == 77;

    private static Rfc7606Row Withdraw(string name, string attribute, string malformation, string section, Func<byte[], byte[]> update)
        => new(name, attribute, malformation, Rfc7606Outcome.TreatAsWithdraw, section, update);

    private static Rfc7606Row WithdrawInternal(string name, string attribute, string malformation, string section, Func<byte[], byte[]> update)
        => new(name, attribute, malformation, Rfc7606Outcome.TreatAsWithdraw, section, update, Internal: true);

    private static Rfc7606Row Discard(string name, string attribute, string malformation, string section, Func<byte[], byte[]> update, Func<PathAttributes, bool> gone)
        => new(name, attribute, malformation, Rfc7606Outcome.AttributeDiscard, section, update, a => Applied(a) && gone(a));

    private static Rfc7606Row Reset(string name, string attribute, string malformation, string section, Func<byte[], byte[]> update, byte subcode)
        => new(name, attribute, malformation, Rfc7606Outcome.SessionReset, section, update, Subcode: subcode);

    public static readonly IReadOnlyList<Rfc7606Row> Rows =
    [
        Withdraw("origin-bad-value", "ORIGIN", "bad value (7)", "7606 7.1", Classic(Attr(T, 1, 7), PeerAsPath, PeerNextHop, Med77)),
        Withdraw("origin-bad-length", "ORIGIN", "bad length (2)", "7606 7.1", Classic(Attr(T, 1, 0, 0), PeerAsPath, PeerNextHop, Med77)),
        Withdraw("origin-bad-flags", "ORIGIN", "bad flags (optional)", "7606 3(c)", Classic(Attr(OT, 1, 0), PeerAsPath, PeerNextHop, Med77)),
        Withdraw("origin-missing", "ORIGIN", "missing mandatory", "7606 3(d)", Classic(PeerAsPath, PeerNextHop, Med77)),
        Discard("origin-duplicate", "ORIGIN", "duplicate (INCOMPLETE, then IGP)", "7606 3(g)",
            Classic(Attr(T, 1, 2), PeerAsPath, PeerNextHop, Med77, IgpOrigin), a => a.Origin == Origin.Incomplete),
        Withdraw("as-path-bad-value", "AS_PATH", "bad value (segment type 5)", "7606 7.2", Classic(IgpOrigin, Attr(T, 2, 5, 1, 0, 0, 0xFD, 0xE9), PeerNextHop, Med77)),
        Withdraw("as-path-bad-length", "AS_PATH", "bad length (segment of 2 ASes, 1 present)", "7606 7.2", Classic(IgpOrigin, Attr(T, 2, 2, 2, 0, 0, 0xFD, 0xE9), PeerNextHop, Med77)),
        Withdraw("as-path-bad-flags", "AS_PATH", "bad flags (optional)", "7606 3(c)", Classic(IgpOrigin, Attr(O, 2, 2, 1, 0, 0, 0xFD, 0xE9), PeerNextHop, Med77)),
        Withdraw("as-path-missing", "AS_PATH", "missing mandatory", "7606 3(d)", Classic(IgpOrigin, PeerNextHop, Med77)),
        Withdraw("next-hop-bad-length", "NEXT_HOP", "bad length (5)", "7606 7.3", Classic(IgpOrigin, PeerAsPath, Attr(T, 3, 10, 0, 0, 1, 0), Med77)),
        Withdraw("next-hop-zero", "NEXT_HOP", "bad value (0.0.0.0)", "7606 7.3, 4271 6.3", Classic(IgpOrigin, PeerAsPath, Attr(T, 3, 0, 0, 0, 0), Med77)),
        Withdraw("next-hop-multicast", "NEXT_HOP", "bad value (224.0.0.5)", "7606 7.3, 4271 6.3", Classic(IgpOrigin, PeerAsPath, Attr(T, 3, 224, 0, 0, 5), Med77)),
        Withdraw("next-hop-bad-flags", "NEXT_HOP", "bad flags (optional transitive)", "7606 3(c)", Classic(IgpOrigin, PeerAsPath, Attr(OT, 3, 10, 0, 0, 1), Med77)),
        Withdraw("next-hop-missing", "NEXT_HOP", "missing mandatory (classic NLRI)", "7606 3(d)", Classic(IgpOrigin, PeerAsPath, Med77)),
        Withdraw("med-bad-length", "MULTI_EXIT_DISC", "bad length (3)", "7606 7.4", Classic(Good, Attr(O, 4, 0, 0, 77))),
        Withdraw("med-bad-flags", "MULTI_EXIT_DISC", "bad flags (well-known)", "7606 3(c)", Classic(Good, Attr(T, 4, 0, 0, 0, 77))),
        Discard("local-pref-ebgp-bad-length", "LOCAL_PREF", "bad length (3), from an external peer", "7606 7.5",
            With(Attr(T, 5, 0, 0, 100)), a => a.LocalPref is null),
        WithdrawInternal("local-pref-ibgp-bad-length", "LOCAL_PREF", "bad length (3), from an internal peer", "7606 7.5", With(Attr(T, 5, 0, 0, 100))),
        WithdrawInternal("local-pref-ibgp-bad-flags", "LOCAL_PREF", "bad flags (optional transitive), from an internal peer", "7606 3(c)",
            With(Attr(OT, 5, 0, 0, 0, 100))),
        Discard("atomic-aggregate-bad-length", "ATOMIC_AGGREGATE", "bad length (1)", "7606 7.6", With(Attr(T, 6, 0)), a => !a.AtomicAggregate),
        Discard("atomic-aggregate-bad-flags", "ATOMIC_AGGREGATE", "bad flags (optional transitive)", "7606 7.6, 3(c)", With(Attr(OT, 6)), a => !a.AtomicAggregate),
        Discard("aggregator-bad-length", "AGGREGATOR", "bad length (6 on a four-octet AS session)", "7606 7.7",
            With(Attr(OT, 7, 0xFD, 0xE9, 10, 0, 0, 1)), a => a.Aggregator is null),
        Discard("aggregator-bad-flags", "AGGREGATOR", "bad flags (well-known)", "7606 7.7, 3(c)",
            With(Attr(T, 7, 0, 0, 0xFD, 0xE9, 10, 0, 0, 1)), a => a.Aggregator is null),
        Withdraw("communities-bad-length", "COMMUNITIES", "bad length (3)", "7606 7.8", With(Attr(OT, 8, 0xFD, 0xE9, 1))),
        Withdraw("communities-empty", "COMMUNITIES", "bad length (0)", "7606 7.8", With(Attr(OT, 8))),
        Withdraw("communities-bad-flags", "COMMUNITIES", "bad flags (optional non-transitive)", "7606 3(c)", With(Attr(O, 8, 0xFD, 0xE9, 0, 1))),
        Discard("communities-duplicate", "COMMUNITIES", "duplicate (65001:1, then 65001:2)", "7606 3(g)",
            With([.. Attr(OT, 8, 0xFD, 0xE9, 0, 1), .. Attr(OT, 8, 0xFD, 0xE9, 0, 2)]), a => a.Communities.Span.SequenceEqual([0xFDE90001u])),
        Discard("originator-id-ebgp-bad-length", "ORIGINATOR_ID", "bad length (3), from an external peer", "7606 7.9",
            With(Attr(O, 9, 10, 0, 0)), a => a.OriginatorId is null),
        WithdrawInternal("originator-id-ibgp-bad-length", "ORIGINATOR_ID", "bad length (3), from an internal peer", "7606 7.9", With(Attr(O, 9, 10, 0, 0))),
        Discard("cluster-list-ebgp-bad-length", "CLUSTER_LIST", "bad length (3), from an external peer", "7606 7.10",
            With(Attr(O, 10, 10, 0, 0)), a => a.ClusterList.Count == 0),
        WithdrawInternal("cluster-list-ibgp-bad-length", "CLUSTER_LIST", "bad length (3), from an internal peer", "7606 7.10", With(Attr(O, 10, 10, 0, 0))),
        Reset("mp-reach-bad-next-hop-length", "MP_REACH_NLRI", "bad length (IPv4 next hop of 5)", "7606 7.11, 4760 7",
            Mp(nlri => MpReach(O, nlri, nextHopLength: 5)), BgpSubcode.OptionalAttributeError),
        Reset("mp-reach-truncated-nlri", "MP_REACH_NLRI", "truncated NLRI (/24 with 2 octets)", "7606 3(j), 5.3",
            Mp(nlri => MpReach(O, nlri[..^1])), BgpSubcode.OptionalAttributeError),
        Reset("mp-reach-duplicate", "MP_REACH_NLRI", "duplicate", "7606 3(g)",
            Mp(nlri => [.. MpReach(O, nlri), .. MpReach(O, nlri)]), BgpSubcode.MalformedAttributeList),
        Withdraw("mp-reach-bad-flags", "MP_REACH_NLRI", "bad flags (well-known)", "7606 3(c)", Mp(nlri => MpReach(T, nlri))),
        Reset("mp-unreach-truncated-nlri", "MP_UNREACH_NLRI", "truncated NLRI (/24 with 2 octets)", "7606 3(j), 5.3",
            nlri => RawPeer.UpdateBody([], MpUnreach(O, nlri[..^1]), []), BgpSubcode.OptionalAttributeError),
        Reset("mp-unreach-bad-length", "MP_UNREACH_NLRI", "bad length (2: no SAFI)", "7606 7.12, 4760 7",
            _ => RawPeer.UpdateBody([], Attr(O, Unreach, 0, 1), []), BgpSubcode.OptionalAttributeError),
        Withdraw("mp-unreach-bad-flags", "MP_UNREACH_NLRI", "bad flags (well-known): its prefixes still withdrawn", "7606 3(c)",
            nlri => RawPeer.UpdateBody([], MpUnreach(T, nlri), [])),
        Withdraw("large-community-bad-length", "LARGE_COMMUNITY", "bad length (11)", "8092 6, 7606 7",
            With(Attr(OT, 32, [0, 0, 0xFD, 0xE9, 0, 0, 0, 1, 0, 0, 0]))),
        Withdraw("large-community-bad-flags", "LARGE_COMMUNITY", "bad flags (optional non-transitive)", "7606 3(c)",
            With(Attr(O, 32, [0, 0, 0xFD, 0xE9, 0, 0, 0, 1, 0, 0, 0, 2]))),
        Withdraw("extended-communities-bad-length", "EXTENDED_COMMUNITIES", "bad length (7)", "7606 7.14",
            With(Attr(OT, 16, 0, 2, 0xFD, 0xE9, 0, 0, 1))),
        Withdraw("extended-communities-bad-flags", "EXTENDED_COMMUNITIES", "bad flags (optional non-transitive)", "7606 3(c)",
            With(Attr(O, 16, 0, 2, 0xFD, 0xE9, 0, 0, 0, 1))),
        new("unknown-optional-transitive", "unknown (type 99), optional transitive", "any value", Rfc7606Outcome.Accepted, "4271 5, 9",
            With(Attr(OT, 99, 0xAB, 0xCD)), a => Applied(a) && a.Other.Span.ToArray().Any(o => o.Type == 99 && (o.Flags & AttributeFlags.Partial) != 0)),
        Discard("unknown-optional-non-transitive", "unknown (type 99), optional non-transitive", "any value", "4271 5, 9",
            With(Attr(O, 99, 0xAB, 0xCD)), a => !a.Other.Span.ToArray().Any(o => o.Type == 99)),
        Reset("unknown-well-known", "unknown (type 99), well-known", "unrecognized", "4271 6.3, 7606 3",
            With(Attr(T, 99)), BgpSubcode.UnrecognizedWellKnownAttribute),
        Reset("attribute-overruns-field", "attribute list", "bad length (an attribute overruns the field, no MP_REACH_NLRI)", "7606 4, 3(j)",
            With(O, 99, 40), BgpSubcode.MalformedAttributeList),
        Reset("attribute-length-overruns-message", "attribute list", "bad length (total attribute length past the message)", "4271 6.3",
            nlri => [0, 0, 0xFF, 0xF0, .. Good, .. nlri], BgpSubcode.MalformedAttributeList),
        Reset("withdrawn-length-overruns-message", "withdrawn routes", "bad length (past the message)", "4271 6.3",
            nlri => [0xFF, 0xF0, .. nlri], BgpSubcode.MalformedAttributeList),
        Reset("withdrawn-truncated", "withdrawn routes", "truncated (/24 with 2 octets)", "7606 5.3, 4271 6.3",
            nlri => RawPeer.UpdateBody(nlri[..^1], [], []), BgpSubcode.InvalidNetworkField),
        Reset("nlri-truncated", "NLRI", "truncated (/24 with 2 octets)", "7606 5.3, 4271 6.3",
            nlri => RawPeer.UpdateBody([], [.. Good, .. Med77], nlri[..^1]), BgpSubcode.InvalidNetworkField),
        Reset("nlri-prefix-too-long", "NLRI", "bad value (prefix length 33)", "7606 5.3, 4271 6.3",
            nlri => RawPeer.UpdateBody([], [.. Good, .. Med77], [33, .. nlri[1..], 0, 0]), BgpSubcode.InvalidNetworkField),
        Withdraw("nlri-without-attributes", "all (none present)", "missing mandatory (NLRI, no attributes)", "7606 3(d)",
            nlri => RawPeer.UpdateBody([], [], nlri)),
    ];

    /// <summary>The row's prefix (the malformed UPDATE's) and the barrier prefix whose good UPDATE follows it.</summary>
    public static (string Prefix, string Barrier) PrefixesOf(Rfc7606Row row)
    {
        var i = Rows.ToList().IndexOf(row);
        return ($"172.16.{i}.0/24", $"172.17.{i}.0/24");
    }

    /// <summary>A /24 as NLRI bytes.</summary>
    public static byte[] Nlri(string prefix)
    {
        var network = System.Net.IPNetwork.Parse(prefix);
        return [24, .. network.BaseAddress.GetAddressBytes()[..3]];
    }
}
