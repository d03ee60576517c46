namespace L3Net.Felix;

/// <summary>
/// How long to wait before retrying changes the kernel refused: doubling from <see cref="Initial"/> up to
/// <see cref="Max"/>, each delay drawn from its upper half so that nodes that failed together do not retry together.
/// <see cref="Reset"/> once an apply leaves nothing pending.
/// </summary>
public sealed class RetryBackoff(TimeSpan initial, TimeSpan max)
{
    /// <summary>100 ms, 200 ms, … up to 10 s (the default resync interval): a transient refusal is retried at once, a
    /// lasting one costs one attempt per 10 s.</summary>
    public static RetryBackoff Default() => new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    private int _attempts;

    public TimeSpan Initial { get; } = initial;
    public TimeSpan Max { get; } = max;

    public TimeSpan Next()
    {
        var full = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, _attempts), Max.TotalMilliseconds);
        _attempts = Math.Min(_attempts + 1, 30);
        return TimeSpan.FromMilliseconds(full / 2 + Random.Shared.NextDouble() * full / 2);
    }

    public void Reset() => _attempts = 0;
}
