using System.Diagnostics;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Samples a view (a router's table, our Loc-RIB) every 100 ms in the background while a restart happens, so
/// a test can prove a route was never missing. Bounded: at most 600 samples.</summary>
internal sealed class Sampler : IAsyncDisposable
{
    private readonly List<(TimeSpan At, string Text)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    public Sampler(Func<string> sample) => _loop = Task.Run(async () =>
    {
        for (var i = 0; i < 600 && !_stop.IsCancellationRequested; i++)
        {
            var text = sample();
            lock (_samples)
                _samples.Add((_clock.Elapsed, text));
            try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { return; }
        }
    });

    /// <summary>Time since sampling started, to compare with <see cref="StopAsync"/>'s timestamps.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public async Task<IReadOnlyList<(TimeSpan At, string Text)>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_samples)
            return [.. _samples];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
