using System.Buffers;
using L3Net.Bgp.Wire;

namespace L3Net.Fuzz;

/// <summary>
/// What a session reads from a peer: a byte stream cut into messages by the framer, each decoded as the session does
/// (OPEN with its capabilities, UPDATE through one <see cref="UpdateDecoder"/> kept across the stream, NOTIFICATION,
/// ROUTE-REFRESH). The first input byte is the session's negotiated options:
/// bit 0 four-octet AS (RFC 6793), bit 1 iBGP (LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST trusted), bit 2 deliver the
/// stream in two segments cut at the second byte's offset (the framer's copy path for a message split across reads).
/// These are the options <see cref="DecodeContext"/> has: the speaker negotiates neither ADD-PATH nor extended next
/// hop, so they change nothing it reads (an IPv4 MP_REACH_NLRI with a 16- or 32-byte next hop is decoded whatever the
/// OPENs said). Contract: <see cref="BgpProtocolException"/> and nothing else.
/// </summary>
public sealed class BgpMessagesTarget : IFuzzTarget
{
    public string Name => "bgp";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
            return;
        var options = input[0];
        var decoder = new UpdateDecoder(new DecodeContext(FourOctetAs: (options & 1) != 0, Ibgp: (options & 2) != 0));
        var stream = input[1..].ToArray();
        var buffer = (options & 4) != 0 ? Split(stream, stream[0] % stream.Length) : new ReadOnlySequence<byte>(stream);
        var parsed = new ParsedUpdate();
        try
        {
            while (MessageFrame.TryRead(ref buffer, MessageFrame.MaxLength, out var type, out var body))
                Handle(type, body.ToArray(), decoder, parsed);
        }
        catch (BgpProtocolException)
        {
            // The session answers with this NOTIFICATION and closes: a refusal, not a crash.
        }
    }

    private static void Handle(MessageType type, byte[] body, UpdateDecoder decoder, ParsedUpdate parsed)
    {
        switch (type)
        {
            case MessageType.Open:
                OpenMessage.Decode(body);
                break;
            case MessageType.Update:
                decoder.Decode(body, parsed);
                break;
            case MessageType.Notification:
                _ = NotificationMessage.Decode(body).ToString();
                break;
            case MessageType.RouteRefresh:
                RouteRefreshMessage.Decode(body);
                break;
        }
    }

    private static ReadOnlySequence<byte> Split(byte[] stream, int at)
    {
        var first = new Segment(stream.AsMemory(0, at), 0);
        var second = first.Append(stream.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
