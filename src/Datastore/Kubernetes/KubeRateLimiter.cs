namespace L3Net.Datastore.Kubernetes;

/// <summary>Client-side limits, as client-go has them: a token bucket for requests (so a tight loop of relists
/// cannot hammer the API server) and capped exponential back-off with jitter between retries.</summary>
public sealed class KubeClientOptions
{
    public double QueriesPerSecond { get; init; } = 20;
    public int Burst { get; init; } = 40;

    /// <summary>How often a request refused with 429/5xx or a failed connection is retried before the call
    /// surfaces <see cref="DatastoreUnavailableException"/>.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The server closes a watch after this long; the datastore then opens the next one.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The back-off before retry number <paramref name="attempt"/> (0-based): doubled each time, capped,
    /// with up to 50% random jitter so that many nodes do not retry in step.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var ms = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() * 0.5));
    }
}

/// <summary>Token bucket: <see cref="KubeClientOptions.Burst"/> requests at once, then
/// <see cref="KubeClientOptions.QueriesPerSecond"/> on average.</summary>
internal sealed class KubeRateLimiter(double qps, int burst, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _last = (time ?? TimeProvider.System).GetTimestamp();

    public async Task WaitAsync(CancellationToken ct)
    {
        TimeSpan wait;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + _time.GetElapsedTime(_last, now).TotalSeconds * qps);
            _last = now;
            // Take the token now even when it is owed: the waiters queue in the debt they build up.
            _tokens -= 1;
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / qps);
        }
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, _time, ct);
    }
}
