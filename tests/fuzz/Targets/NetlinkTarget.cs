using System.Runtime.InteropServices;
using L3Net.Netlink;

namespace L3Net.Fuzz;

/// <summary>
/// What a route socket reads from the kernel: one datagram of netlink messages through the reply reader and one of the
/// dump parsers. The first input byte picks the parser (0 links, 1 addresses, 2 routes, 3 neighbours; bit 2: the
/// request was a dump), the rest is the datagram; the request's sequence number is the first message's, so replies
/// are not skipped as late acks. Contract: <see cref="NetlinkException"/> and nothing else.
/// </summary>
public sealed class NetlinkTarget : IFuzzTarget
{
    public string Name => "netlink";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1 + 16)
            return;
        var datagram = input[1..];
        var seq = MemoryMarshal.Read<uint>(datagram[8..]);
        var dump = (input[0] & 4) != 0;
        try
        {
            switch (input[0] & 3)
            {
                case 0: Read(datagram, seq, dump, RouteSocket.ParseLink); break;
                case 1: Read(datagram, seq, dump, RouteSocket.ParseAddress); break;
                case 2: Read(datagram, seq, dump, RouteSocket.ParseRoute); break;
                default: Read(datagram, seq, dump, RouteSocket.ParseNeighbour); break;
            }
        }
        catch (NetlinkException)
        {
            // A kernel error (or a malformed reply) surfaces as the operation's failure: not a crash.
        }
    }

    private static void Read<T>(ReadOnlySpan<byte> datagram, uint seq, bool dump, ReplyParser<T> parser) where T : class
    {
        var interrupted = false;
        RouteSocket.ReadDatagram(datagram, "fuzz", seq, dump, parser, [], ref interrupted);
    }
}
