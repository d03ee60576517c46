using System.Globalization;
using System.Text.RegularExpressions;

namespace L3Net.Lab;

public sealed record PingResult(LabPod From, LabPod To, bool Ok, double? RttMs);

/// <summary>Pod-to-pod reachability: one bounded ping per pair (one packet, one second), from inside the source pod's
/// namespace, several pairs at once.</summary>
public static partial class PingMatrix
{
    public const int Parallelism = 8;

    /// <summary>Every ordered pair of distinct pods.</summary>
    public static IEnumerable<(LabPod From, LabPod To)> AllPairs(IReadOnlyList<LabPod> pods) =>
        from a in pods from b in pods where a != b select (a, b);

    public static async Task<IReadOnlyList<PingResult>> RunAsync(IEnumerable<(LabPod From, LabPod To)> pairs, CancellationToken ct)
        => await Pods.ForEachAsync(pairs, Parallelism, (p, token) => PingAsync(p.From, p.To, token), ct);

    /// <summary>Pings until every pair answers or <paramref name="within"/> passes, re-trying only the pairs that
    /// failed; returns the last result of each pair.</summary>
    public static async Task<IReadOnlyList<PingResult>> UntilAllOkAsync(IEnumerable<(LabPod From, LabPod To)> pairs,
        TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        var results = (await RunAsync(pairs, ct)).ToList();
        while (results.Any(r => !r.Ok) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, ct);
            var retried = await RunAsync(results.Where(r => !r.Ok).Select(r => (r.From, r.To)), ct);
            results = results.Where(r => r.Ok).Concat(retried).ToList();
        }
        return results;
    }

    public static async Task<PingResult> PingAsync(LabPod from, LabPod to, CancellationToken ct)
    {
        var r = await Exec.InNetnsAsync(from.Namespace, "ping", ["-c", "1", "-W", "1", "-n", to.Address],
            timeout: TimeSpan.FromSeconds(5), ct: ct);
        var rtt = Rtt().Match(r.Stdout);
        return new PingResult(from, to, r.Ok,
            rtt.Success ? double.Parse(rtt.Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    [GeneratedRegex(@"time=([0-9.]+) ms")]
    private static partial Regex Rtt();
}
