namespace L3Net.Fuzz;

/// <summary>
/// One component under fuzzing. The contract: <see cref="Run"/> returns for every input, the component having either
/// accepted it or refused it with its own documented exception (which the target catches). Any other exception that
/// escapes (IndexOutOfRange, NullReference, InvalidCast, Overflow, ArgumentOutOfRange...) is a crash, as are a stack
/// overflow and a hang, which AFL++ sees as a dead or stuck process and the bounded run as a timeout.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name used on the command line and as the corpus folder (tests/fuzz/corpus/NAME).</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}

public static class FuzzTargets
{
    public static readonly IReadOnlyList<IFuzzTarget> All =
        [new BgpMessagesTarget(), new CniConfigTarget(), new ResourceTarget(), new NetlinkTarget()];

    public static IFuzzTarget Find(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"unknown fuzz target '{name}' (known: {string.Join(", ", All.Select(t => t.Name))})");
}
