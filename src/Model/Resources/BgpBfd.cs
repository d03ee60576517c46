namespace L3Net.Model.Resources;

/// <summary>
/// <c>spec.bfd</c> of a BGPPeer (and of BGPConfiguration, for the node-to-node mesh): a single-hop BFD session
/// (RFC 5880/5881) beside each BGP session. When BFD sees the path fail, the BGP session goes down at once instead of
/// after the hold time, and stays down until BFD is Up again. Calico has no such field; the names follow BIRD's.
/// </summary>
public sealed class BgpBfdSpec
{
    public const int MinIntervalMs = 10, MaxIntervalMs = 60_000, DefaultIntervalMs = 300, DefaultMultiplier = 3;

    public bool? Enabled { get; set; }

    /// <summary>The slowest rate we want to receive at: bfd.RequiredMinRxInterval. Default 300.</summary>
    public int? MinRxMs { get; set; }

    /// <summary>The rate we want to send at while Up (1 s until then): bfd.DesiredMinTxInterval. Default 300.</summary>
    public int? MinTxMs { get; set; }

    /// <summary>Packets the peer may miss before it declares the session down: bfd.DetectMult. Default 3.</summary>
    public int? Multiplier { get; set; }
}
