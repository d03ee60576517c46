using System.Net;

namespace L3Net.Ipam;

/// <summary>Base of the errors IPAM reports to its callers; the message is meant for a user.</summary>
public class IpamException(string message) : Exception(message);

/// <summary>Every block of every eligible pool is full (and borrowing is off or found nothing); <c>why</c> names the
/// IPAMConfiguration setting that stopped a claim or a borrow, when one did.</summary>
public sealed class PoolExhaustedException(IReadOnlyList<string> pools, string? why = null)
    : IpamException($"pool exhausted: no free address left in {string.Join(", ", pools)}" + (why is null ? "" : $" ({why})"))
{
    public IReadOnlyList<string> Pools { get; } = pools;
}

/// <summary>A static address request named an address somebody else holds.</summary>
public sealed class AddressInUseException(IPAddress address, string holder)
    : IpamException($"{address} is already assigned (handle {holder})")
{
    public IPAddress Address { get; } = address;
    public string Holder { get; } = holder;
}

/// <summary>No enabled pool of the family may serve this node (none exists, none was named, the node selector excludes
/// the node) or a static address lies outside every pool.</summary>
public sealed class NoSuitablePoolException(string message) : IpamException(message);

/// <summary>A pool still has assigned addresses and cannot be deleted.</summary>
public sealed class PoolInUseException(string pool, int inUse)
    : IpamException($"IP pool {pool} still has {inUse} assigned address(es); release them first")
{
    public int InUse { get; } = inUse;
}

/// <summary>Too many lost compare-and-swaps in a row: other writers keep winning. Nothing is half-done beyond what the
/// leak check finds; the caller should try again later (the CNI plugin answers code 11).</summary>
public sealed class IpamContentionException(string what, int attempts)
    : IpamException($"{what}: gave up after {attempts} conflicting updates, try again later");
