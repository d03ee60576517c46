using FsCheck;
using FsCheck.Fluent;

namespace L3Net.Tests.Property;

/// <summary>
/// Arbitraries for sequences of steps (an IPAM history, RIB operations, update-group interleavings): between one and
/// <c>min(size, max)</c> steps, so FsCheck's growing size (up to a property's <c>EndSize</c>) sets how long they get,
/// and shrinking drops steps (halves first, then one at a time) so that a counterexample is the few steps that matter.
/// </summary>
public static class Histories
{
    public static Arbitrary<T[]> Of<T>(Gen<T> step, int maxSteps)
        => Arb.From(Gen.Sized(size => Gen.Choose(1, Math.Clamp(size, 1, maxSteps)).SelectMany(n => Gen.ArrayOf(step, n))), Shrink);

    /// <summary>Shorter lists first: each half, then the list without one step. Never empty.</summary>
    public static IEnumerable<T[]> Shrink<T>(T[] steps)
    {
        if (steps.Length > 1)
        {
            yield return steps[..(steps.Length / 2)];
            yield return steps[(steps.Length / 2)..];
            for (var i = 0; i < steps.Length; i++)
                yield return [.. steps[..i], .. steps[(i + 1)..]];
        }
    }
}
