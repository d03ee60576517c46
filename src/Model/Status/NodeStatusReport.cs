namespace L3Net.Model.Status;

/// <summary>
/// What <c>l3net-node</c> answers on its status socket (<c>GET /status</c>, JSON, camelCase) and what
/// <c>l3netctl node status</c> prints. Default socket: <c>/var/run/l3net/node.sock</c> (the daemon's
/// <c>--status-socket</c> and the CLI's <c>--socket</c> change it; the lab gives each node its own).
/// </summary>
public sealed class NodeStatusReport
{
    public string Node { get; set; } = "";
    public string Version { get; set; } = "";
    public string AsNumber { get; set; } = "";
    public string RouterId { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public List<BgpPeerStatus> Peers { get; set; } = [];
}

/// <summary>One BGP session, as calicoctl's "IPv4 BGP status" table shows it, plus prefix counters.</summary>
public sealed class BgpPeerStatus
{
    public string PeerAddress { get; set; } = "";

    /// <summary>"node-to-node mesh", "global", "node specific" or "route reflector client".</summary>
    public string PeerType { get; set; } = "";

    /// <summary>FSM state: Idle, Connect, Active, OpenSent, OpenConfirm, Established.</summary>
    public string State { get; set; } = "";
    public DateTimeOffset Since { get; set; }

    /// <summary>Free text: "Established", or the last error ("Hold timer expired", "Connection refused").</summary>
    public string Info { get; set; } = "";
    public long PrefixesReceived { get; set; }
    public long PrefixesAccepted { get; set; }
    public long PrefixesAdvertised { get; set; }
}
