using System.Buffers;
using System.Net;
using L3Net.Bgp.Wire;

namespace L3Net.Tests.Unit.Bgp;

/// <summary>Builds and frames messages for codec tests.</summary>
internal static class WireSamples
{
    public static readonly PathAttributes Attributes = new()
    {
        Origin = Origin.Igp,
        AsPath = new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>([65001, 4200000000]))])),
        NextHop = IPAddress.Parse("10.0.0.1"),
        Med = 5,
        Communities = new ValueArray<uint>([0xFDE80064]),
    };

    public static List<byte[]> Announce(PathAttributes a, IEnumerable<string> prefixes, bool fourOctetAs = true)
    {
        var list = prefixes.Select(Prefix.Parse).ToArray();
        var messages = new List<byte[]>();
        var buffer = new byte[MessageFrame.MaxLength];
        for (var i = 0; i < list.Length;)
        {
            var n = UpdateWriter.WriteAnnounce(buffer, a, list.AsSpan(i), fourOctetAs, out var consumed);
            messages.Add(buffer[..n]);
            i += consumed;
        }
        return messages;
    }

    /// <summary>Frames one message and decodes its UPDATE body.</summary>
    public static ParsedUpdate Decode(byte[] message, UpdateDecoder? decoder = null)
    {
        var seq = new ReadOnlySequence<byte>(message);
        if (!MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out var type, out var body) || type != MessageType.Update)
            throw new InvalidOperationException("not one whole UPDATE");
        var parsed = new ParsedUpdate();
        (decoder ?? new UpdateDecoder(new DecodeContext(true, false))).Decode(body.ToArray(), parsed);
        return parsed;
    }

    /// <summary>An UPDATE from raw attribute TLV bytes and IPv4 NLRI bytes.</summary>
    public static byte[] RawUpdate(byte[] attributes, byte[] nlri, byte[]? withdrawn = null)
    {
        withdrawn ??= [];
        var length = 19 + 2 + withdrawn.Length + 2 + attributes.Length + nlri.Length;
        var b = new byte[length];
        MessageFrame.WriteHeader(b, length, MessageType.Update);
        b[19] = (byte)(withdrawn.Length >> 8);
        b[20] = (byte)withdrawn.Length;
        withdrawn.CopyTo(b, 21);
        var at = 21 + withdrawn.Length;
        b[at] = (byte)(attributes.Length >> 8);
        b[at + 1] = (byte)attributes.Length;
        attributes.CopyTo(b, at + 2);
        nlri.CopyTo(b, at + 2 + attributes.Length);
        return b;
    }

    /// <summary>ORIGIN IGP, AS_PATH [65001] (4-octet), NEXT_HOP 10.0.0.1.</summary>
    public static byte[] Mandatory => [0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xFD, 0xE9, 0x40, 3, 4, 10, 0, 0, 1];
}
