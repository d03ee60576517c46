using System.Net;
using System.Net.Sockets;

namespace L3Net.Bgp;

/// <summary>How the speaker runs. Only <see cref="LocalAs"/> and <see cref="RouterId"/> are required.</summary>
public sealed record SpeakerOptions
{
    public required uint LocalAs { get; init; }
    /// <summary>The BGP identifier (an IPv4 address, RFC 6286).</summary>
    public required IPAddress RouterId { get; init; }
    /// <summary>Where to accept connections; null listens on all addresses of both families.</summary>
    public IPAddress? ListenAddress { get; init; }
    /// <summary>179 by default; 0 picks a free port (see <see cref="BgpSpeaker.LocalPort"/>); -1 does not listen (active only).</summary>
    public int ListenPort { get; init; } = 179;
    /// <summary>Set to make this speaker a route reflector (RFC 4456) for peers marked as clients.</summary>
    public IPAddress? ClusterId { get; init; }
    /// <summary>Advertised in the graceful restart capability (RFC 4724); null disables graceful restart.</summary>
    public TimeSpan? GracefulRestartTime { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Set when this process restarted while the dataplane kept the routes: peers keep ours as stale until End-of-RIB.</summary>
    public bool Restarting { get; init; }
    /// <summary>With graceful restart on, a stop (dispose) closes the sessions without a NOTIFICATION, so peers keep our
    /// routes as stale until we are back (RFC 4724): for a node daemon, a stop is a restart.</summary>
    public bool StopLeavesRoutes { get; init; }
    public TimeSpan HoldTime { get; init; } = TimeSpan.FromSeconds(90);
    /// <summary>First retry delay after a failed or closed connection; doubled per failure up to a minute, jittered.</summary>
    public TimeSpan ConnectRetryTime { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Equal-cost multipath: report every equally good path's next hop instead of one.</summary>
    public bool Multipath { get; init; }
    /// <summary>Creates the TCP sockets (listen and connect). Lets a caller place them in a network namespace.</summary>
    public Func<AddressFamily, Socket>? SocketFactory { get; init; }
    /// <summary>Our link-local address to send with the IPv6 next hop of a session (local address, peer address), or
    /// null; the default reads the interfaces of the process's namespace (<see cref="OnLink.LinkLocalFor"/>).</summary>
    public Func<IPAddress, IPAddress, IPAddress?> LinkLocalLookup { get; init; } = OnLink.LinkLocalFor;
    /// <summary>Restarting only (RFC 4724 4.1): how long to hold back our UPDATEs and End-of-RIB waiting for every peer's
    /// End-of-RIB (and for the first <see cref="BgpSpeaker.SetOriginated"/>).</summary>
    public TimeSpan SelectionDeferralTime { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Receives one line per session event (state changes, errors, RFC 7606 treat-as-withdraw).</summary>
    public Action<string>? Log { get; init; }
}
