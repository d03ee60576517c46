using System.Text.Json.Serialization;

namespace L3Net.Model.Resources;

/// <summary>Addresses IPAM never hands out automatically (Calico's IPReservation): a static request for one still
/// succeeds, and reserving addresses already in use takes nothing away from their holders.</summary>
public sealed class IPReservation : Resource<IPReservationSpec>
{
    public override string Kind => "IPReservation";
}

public sealed class IPReservationSpec
{
    /// <summary>Addresses (<c>10.0.2.3</c>) and networks (<c>10.0.2.0/28</c>, <c>fd00::/123</c>), either family.</summary>
    [JsonPropertyName("reservedCIDRs")]
    public List<string> ReservedCidrs { get; set; } = [];
}
