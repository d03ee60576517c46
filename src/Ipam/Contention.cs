namespace L3Net.Ipam;

/// <summary>Counts lost compare-and-swaps of one operation and waits between attempts: exponential backoff with full
/// jitter, so writers that collided spread out instead of colliding again in lockstep.</summary>
internal sealed class Contention(IpamOptions options, string what)
{
    private int _lost;

    /// <summary>Call after losing a race: waits, or throws <see cref="IpamContentionException"/> when out of attempts.</summary>
    public Task LostAsync(CancellationToken ct)
    {
        if (++_lost >= options.MaxAttempts)
            throw new IpamContentionException(what, _lost);
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds,
            options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(_lost, 20)));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), ct);
    }
}
