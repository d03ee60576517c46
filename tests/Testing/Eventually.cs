namespace L3Net.Testing;

/// <summary>Polls a condition until it holds or a deadline passes: the bounded wait every convergence check uses.</summary>
public static class Eventually
{
    public static async Task<bool> HoldsAsync(Func<bool> condition, TimeSpan within, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (condition())
                return true;
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Fails the test with <paramref name="what"/> (and the last diagnostic) when the condition never held.</summary>
    public static async Task AssertAsync(Func<bool> condition, TimeSpan within, string what, Func<string>? diagnostic = null)
    {
        if (!await HoldsAsync(condition, within))
            Xunit.Assert.Fail($"{what} did not happen within {within.TotalSeconds:0.#} s{(diagnostic is null ? "" : "\n" + diagnostic())}");
    }
}
