using System.Threading.Channels;
using L3Net.Datastore;
using L3Net.Node;
using L3Net.Node.Cache;
using Xunit;

namespace L3Net.Tests.Integration.Node;

/// <summary>A <see cref="ClusterCache"/> following its store in the background, as the node agent runs it, with a wait
/// for the snapshot a test expects that wakes on the cache's own change signal.</summary>
public sealed class CacheFollower : IAsyncDisposable
{
    private readonly Channel<bool> _changed = Channel.CreateUnbounded<bool>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _following;
    private int _resyncs;

    private CacheFollower(ClusterCache cache)
    {
        Cache = cache;
        _following = cache.FollowAsync(new CacheObserver(() => _changed.Writer.TryWrite(true), _ => { },
            () => Interlocked.Increment(ref _resyncs)), _stop.Token);
    }

    public ClusterCache Cache { get; }

    /// <summary>How often the watch was lost and every kind listed again.</summary>
    public int Resyncs => Volatile.Read(ref _resyncs);

    public static async Task<CacheFollower> StartAsync(IDatastore store, string node, CancellationToken ct)
    {
        var cache = new ClusterCache(store, node);
        await cache.FillAsync(ct);
        return Follow(cache);
    }

    /// <summary>Follows a cache the caller filled.</summary>
    public static CacheFollower Follow(ClusterCache cache) => new(cache);

    /// <summary>Waits, change by change, until the snapshot satisfies <paramref name="condition"/>.</summary>
    public async Task<ClusterSnapshot> WaitForAsync(Func<ClusterSnapshot, bool> condition, string what, TimeSpan within, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(within);
        try
        {
            while (true)
            {
                var snapshot = Cache.Snapshot();
                if (condition(snapshot))
                    return snapshot;
                await _changed.Reader.ReadAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Assert.Fail($"the cache never showed {what} within {within.TotalSeconds:0} s (at revision {Cache.Revision})");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _following;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
