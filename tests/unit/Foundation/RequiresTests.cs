using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.Unit.Foundation;

/// <summary>The CI guard: a missing capability skips on a laptop and fails the run under CI=true.</summary>
public sealed class RequiresTests
{
    [Fact]
    public void A_missing_capability_fails_the_test_under_CI()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Requires.Missing("needs 'bird'", inCi: true));
        Assert.Contains("CI must run every test", ex.Message);
        Assert.Contains("needs 'bird'", ex.Message);
    }

    [Fact]
    public void A_missing_capability_skips_with_its_reason_outside_CI()
    {
        // xunit re-raises its skip signal from Assert.Throws*, so catch it by hand to look at it.
        Exception? ex = null;
        try { Requires.Missing("needs 'bird'", inCi: false); }
        catch (Exception e) { ex = e; }
        Assert.NotNull(ex);
        Assert.DoesNotContain("CI must run every test", ex.Message);
        Assert.Contains("needs 'bird'", ex.Message);
    }

    [Fact]
    public void A_program_on_the_path_is_found_and_a_missing_one_is_not()
    {
        Assert.NotNull(ProcessRunner.FindOnPath("sh"));
        Assert.Null(ProcessRunner.FindOnPath("l3net-no-such-program-" + Guid.NewGuid().ToString("N")));
    }
}
