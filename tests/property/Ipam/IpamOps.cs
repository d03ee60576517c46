using FsCheck;
using FsCheck.Fluent;

namespace L3Net.Tests.Property.Ipam;

/// <summary>One step of a random IPAM history. Records print as <c>Assign { Node = a, Handle = 2, ... }</c>, so a shrunk
/// counterexample reads as the list of calls that break the invariant.</summary>
public abstract record IpamOp;

public sealed record Assign(string Node, int Handle, int Num4, int Num6) : IpamOp;

public sealed record ReleaseHandle(int Handle) : IpamOp;

/// <summary>Releases the <c>Pick</c>-th assigned address (modulo how many there are).</summary>
public sealed record ReleaseAddress(int Pick) : IpamOp;

/// <summary>Asks for the static address <c>10.0.0.{Offset}</c>.</summary>
public sealed record Static(string Node, int Handle, int Offset) : IpamOp;

public sealed record ReleaseEmptyBlocks(string Node) : IpamOp;

public static class IpamOpGen
{
    private static readonly Gen<string> Node = Gen.Elements("a", "b");
    private static readonly Gen<int> Handle = Gen.Choose(0, 5);

    private static readonly Gen<IpamOp> Op = Gen.Frequency(
        (6, from n in Node from h in Handle from v4 in Gen.Choose(0, 3) from v6 in Gen.Choose(0, 2)
            where v4 + v6 > 0
            select (IpamOp)new Assign(n, h, v4, v6)),
        (3, Handle.Select(h => (IpamOp)new ReleaseHandle(h))),
        (2, Gen.Choose(0, 40).Select(p => (IpamOp)new ReleaseAddress(p))),
        (2, from n in Node from h in Handle from o in Gen.Choose(0, 15) select (IpamOp)new Static(n, h, o)),
        (1, Node.Select(n => (IpamOp)new ReleaseEmptyBlocks(n))));

    /// <summary>Histories of up to 30 steps; shrinking drops steps.</summary>
    public static Arbitrary<IpamOp[]> Histories() => Property.Histories.Of(Op, maxSteps: 30);
}
