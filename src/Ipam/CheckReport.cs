using System.Net;
using System.Text;

namespace L3Net.Ipam;

/// <summary>An address whose handle no workload endpoint uses, held longer than the grace period.</summary>
public sealed record LeakedAddress(IPAddress Address, string Handle, string Node, DateTimeOffset Assigned);

/// <summary>An address held in more than one place. IPAM's write rules make this impossible; the check proves it.</summary>
public sealed record DuplicateAddress(IPAddress Address, IReadOnlyList<string> Handles);

/// <summary>An affinity that is not a confirmed claim on a block that names its node.</summary>
public sealed record AffinityProblem(string Node, IPNetwork Block, AffinityState State, string Reason);

/// <summary>A handle record whose counts differ from the blocks. <see cref="UnderCount"/> means a release by handle
/// would miss an address (IPAM never writes that); an over-count is what a crash between two writes leaves.</summary>
public sealed record HandleProblem(string Handle, bool UnderCount, string Reason);

public sealed record IpamCheckReport(
    DateTimeOffset CheckedAt,
    TimeSpan Grace,
    int Blocks,
    int Allocated,
    IReadOnlyList<LeakedAddress> Leaked,
    IReadOnlyList<DuplicateAddress> Duplicates,
    IReadOnlyList<AffinityProblem> Affinities,
    IReadOnlyList<HandleProblem> Handles,
    IReadOnlyList<IPNetwork> EmptyUnownedBlocks)
{
    public bool Clean => Leaked.Count + Duplicates.Count + Affinities.Count + Handles.Count + EmptyUnownedBlocks.Count == 0;

    public override string ToString()
    {
        var s = new StringBuilder($"{Blocks} blocks, {Allocated} addresses assigned");
        foreach (var l in Leaked) s.Append($"\nleaked {l.Address} (handle {l.Handle}, node {l.Node}, since {l.Assigned:O})");
        foreach (var d in Duplicates) s.Append($"\nDUPLICATE {d.Address}: {string.Join(", ", d.Handles)}");
        foreach (var a in Affinities) s.Append($"\naffinity {a.Node} {a.Block} ({a.State}): {a.Reason}");
        foreach (var h in Handles) s.Append($"\nhandle {h.Handle}: {h.Reason}");
        foreach (var b in EmptyUnownedBlocks) s.Append($"\nempty block {b} without affinity");
        return s.ToString();
    }
}

public sealed record IpamFixResult(int AddressesFreed, int AffinitiesFixed, int HandlesFixed, int BlocksDeleted);
