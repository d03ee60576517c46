namespace L3Net.Datastore.Kubernetes;

/// <summary>Timeouts of the API connection and the capped exponential back-off (with jitter) between watch
/// reconnections while the API server is away.</summary>
public sealed class KubeClientOptions
{
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request may wait for the response headers (a watch's headers come at once).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The server closes a watch after this long; the next one is opened from the last resourceVersion.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The back-off before retry number <paramref name="attempt"/> (0-based): doubled each time, capped,
    /// with up to 50% random jitter so that many nodes do not retry in step.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var ms = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() * 0.5));
    }
}
