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

    /// <summary>The BFD session beside this BGP session; null when the peer has no <c>spec.bfd.enabled</c>.</summary>
    public BfdPeerStatus? Bfd { get; set; }
}

/// <summary>One BFD session (RFC 5880), as <c>birdc show bfd sessions</c> shows it.</summary>
public sealed class BfdPeerStatus
{
    /// <summary>AdminDown, Down, Init, Up.</summary>
    public string State { get; set; } = "";

    /// <summary>The state the peer last reported; AdminDown means it was shut down on purpose (not a failure).</summary>
    public string RemoteState { get; set; } = "";

    /// <summary>Why the session last went down (RFC 5880 diagnostic), e.g. ControlDetectionTimeExpired.</summary>
    public string Diagnostic { get; set; } = "";
    public DateTimeOffset Since { get; set; }
    public int MinRxMs { get; set; }
    public int MinTxMs { get; set; }
    public int Multiplier { get; set; }

    /// <summary>The interval packets are sent at now (before jitter): 1000 until Up, then the larger of our minTx and
    /// the peer's receive interval.</summary>
    public double TransmitIntervalMs { get; set; }

    /// <summary>Silence after which the session goes Down: the peer's multiplier times the agreed receive interval.</summary>
    public double DetectionTimeMs { get; set; }
}
