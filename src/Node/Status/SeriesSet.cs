using Prometheus;

namespace L3Net.Node.Status;

/// <summary>
/// Keeps a labelled collector's series equal to what the node has now: a peer deconfigured or a block given back
/// must leave the page, not stay at its last value.
/// </summary>
internal static class SeriesSet
{
    /// <summary>Removes every series of <paramref name="collector"/> whose labels are not in <paramref name="keep"/>.</summary>
    public static void RemoveAllBut<TChild>(Collector<TChild> collector, IEnumerable<string[]> keep) where TChild : ChildBase
    {
        var kept = keep.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var labels in collector.GetAllLabelValues().ToList())
            if (!kept.Contains(Key(labels)))
                collector.RemoveLabelled(labels);
    }

    /// <summary>Sets a gauge to exactly <paramref name="series"/>.</summary>
    public static void SetExactly(Gauge gauge, IReadOnlyCollection<(string[] Labels, double Value)> series)
    {
        RemoveAllBut(gauge, series.Select(s => s.Labels));
        foreach (var (labels, value) in series)
            gauge.WithLabels(labels).Set(value);
    }

    /// <summary>Moves a counter's series to a total read from elsewhere. A total lower than the series means its source
    /// started over (a reconfigured peer is a new one): the series starts over too, which Prometheus reads as a reset.</summary>
    public static void SetTotal(Counter counter, string[] labels, double total)
    {
        var child = counter.WithLabels(labels);
        if (total < child.Value)
        {
            counter.RemoveLabelled(labels);
            child = counter.WithLabels(labels);
        }
        child.IncTo(total);
    }

    private static string Key(string[] labels) => string.Join('\0', labels);
}
