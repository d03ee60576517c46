using System.Net;
using System.Net.Sockets;
using L3Net.Bfd;
using L3Net.Bgp;
using L3Net.Model.Resources;

namespace L3Net.Node.Bgp;

/// <summary>From <c>spec.bfd</c> to the BFD session beside a BGP session (RFC 5882): one single-hop session per
/// neighbour that asks for it, from the address the BGP session uses.</summary>
public static class BfdRequests
{
    /// <summary>The timers <paramref name="spec"/> asks for, with the defaults (300 ms, 300 ms, 3) filled in; null when
    /// BFD is not enabled.</summary>
    public static BfdRequest? From(BgpBfdSpec? spec) => spec is { Enabled: true }
        ? new BfdRequest(spec.MinRxMs ?? BgpBfdSpec.DefaultIntervalMs, spec.MinTxMs ?? BgpBfdSpec.DefaultIntervalMs, spec.Multiplier ?? BgpBfdSpec.DefaultMultiplier)
        : null;

    /// <summary>The sessions for <paramref name="peers"/>: sent from the peer's source address, else from this node's
    /// address of the peer's family.</summary>
    public static IReadOnlyList<BfdPeer> Sessions(IEnumerable<PeerConfig> peers, IPAddress ipv4, IPAddress? ipv6)
    {
        var sessions = new List<BfdPeer>();
        foreach (var p in peers)
        {
            var local = p.SourceAddress ?? (p.Address.AddressFamily == AddressFamily.InterNetwork ? ipv4 : ipv6);
            if (p.Bfd is { } bfd && local is not null)
                sessions.Add(new BfdPeer(p.Address, local,
                    new BfdTimers(TimeSpan.FromMilliseconds(bfd.MinRxMs), TimeSpan.FromMilliseconds(bfd.MinTxMs), (byte)bfd.Multiplier)));
        }
        return sessions;
    }
}
