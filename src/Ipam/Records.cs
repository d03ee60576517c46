using System.Text.Json.Serialization;

namespace L3Net.Ipam;

/// <summary>Who holds an allocated address and since when (the leak check's grace period counts from
/// <see cref="Assigned"/>). <see cref="Node"/> is the node that asked: an address whose node differs from the block's
/// affinity is borrowed and advertised by that node as a host route.</summary>
internal sealed class AllocationAttribute
{
    public string Handle { get; set; } = "";
    public string Node { get; set; } = "";
    public DateTimeOffset Assigned { get; set; }
    public Dictionary<string, string>? Attrs { get; set; }
}

public enum AffinityState { Pending, Confirmed, PendingDeletion }

/// <summary>
/// A node's claim on a block, stored under <see cref="IpamKeys.Affinity"/>. Written <c>Pending</c> before the block
/// exists and <c>Confirmed</c> once the block record names the node: only confirmed affinities are advertised, so a
/// crash between the two writes leaves a pending record the next assign (or GC) completes or removes.
/// </summary>
internal sealed class AffinityRecord
{
    public string Node { get; set; } = "";
    public string Cidr { get; set; } = "";
    public AffinityState State { get; set; }
    public DateTimeOffset Since { get; set; }
}

/// <summary>
/// Which blocks hold a handle's addresses, with counts, so release by handle need not scan every block. The count
/// is raised before the block is written and lowered after, so it never under-counts: a crash leaves at worst an
/// over-count, which the check reports and GC corrects once <see cref="Updated"/> is older than the grace period.
/// </summary>
internal sealed class HandleRecord
{
    public string Handle { get; set; } = "";
    public Dictionary<string, int> Blocks { get; set; } = [];
    public DateTimeOffset Updated { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(BlockRecord))]
[JsonSerializable(typeof(AffinityRecord))]
[JsonSerializable(typeof(HandleRecord))]
internal sealed partial class IpamJsonContext : JsonSerializerContext;
