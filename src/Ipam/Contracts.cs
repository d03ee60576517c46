using System.Net;

namespace L3Net.Ipam;

/// <summary>One CNI ADD's request. <see cref="Handle"/> is <c>{network}.{containerId}</c>; <see cref="Pools"/> holds pool
/// names or CIDRs of either family (null or empty: every enabled pool whose node selector matches the node).</summary>
public sealed record AutoAssignRequest
{
    public required string Handle { get; init; }
    public required string Node { get; init; }
    public int Num4 { get; init; } = 1;
    public int Num6 { get; init; }
    public IReadOnlyList<string>? Pools { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary>An address handed out, the pool it came from and the block that holds it.</summary>
public sealed record AssignedAddress(IPAddress Address, string Pool, IPNetwork Block);

/// <summary>One address in use, as <c>l3netctl ipam show</c> and the leak check see it.</summary>
public sealed record AllocationInfo(IPAddress Address, string Handle, string Node, DateTimeOffset Assigned,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>A block as stored: its affine node (null once released while still in use) and what is allocated in it.</summary>
public sealed record BlockInfo(IPNetwork Cidr, string? Node, int Capacity, IReadOnlyList<AllocationInfo> Allocations)
{
    public int InUse => Allocations.Count;
    public int Free => Capacity - InUse;
}

/// <summary>What <see cref="IpamService.ReleaseNodeAsync"/> freed for a deleted node.</summary>
public sealed record NodeReleaseResult(int Addresses, int Blocks);

/// <summary>How IPAM behaves under contention and what clock it stamps with. Cluster policy (strict affinity, blocks
/// per host) is not here: it is the IPAMConfiguration resource, which every process reads from the datastore.</summary>
public sealed class IpamOptions
{
    /// <summary>How many lost compare-and-swaps one operation tolerates before reporting contention.</summary>
    public int MaxAttempts { get; init; } = 60;

    /// <summary>First retry delay; it doubles per attempt (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(64);

    /// <summary>Stamps allocations and claims; the leak check measures its grace period with it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
