namespace L3Net.Bfd;

/// <summary>What we ask of one session (RFC 5880 6.8.1): bfd.RequiredMinRxInterval, bfd.DesiredMinTxInterval (while
/// Up; 1 s until then, 6.8.3) and bfd.DetectMult.</summary>
public sealed record BfdTimers(TimeSpan MinRx, TimeSpan MinTx, byte Multiplier)
{
    /// <summary>BIRD's and FRR's defaults: 300 ms both ways, multiplier 3 (a failure is seen within 900 ms).</summary>
    public static BfdTimers Default { get; } = new(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300), 3);

    public override string ToString() => $"{MinRx.TotalMilliseconds}ms/{MinTx.TotalMilliseconds}ms x{Multiplier}";
}
