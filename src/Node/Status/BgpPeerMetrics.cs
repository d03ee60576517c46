using L3Net.Bgp;
using Prometheus;

namespace L3Net.Node.Status;

/// <summary>
/// Per BGP neighbour what operators ask Calico for and cannot get from BIRD: state, uptime, prefixes received,
/// accepted and advertised, UPDATEs in and out, flaps and the last error, labelled by peer address and type
/// (<c>global</c>, <c>node specific</c>, <c>node-to-node mesh</c>). Read from the speaker when the page is scraped,
/// so the figures are as fresh as the scrape; a neighbour that is no longer configured leaves the page.
/// </summary>
public sealed class BgpPeerMetrics
{
    private static readonly string[] PeerLabels = ["peer", "type"];
    private static readonly BgpState[] States = Enum.GetValues<BgpState>();
    private readonly Lock _lock = new();
    private readonly Gauge _sessions, _prefixesTotal, _state, _uptime, _received, _accepted, _advertised, _lastError;
    private readonly Counter _updatesIn, _updatesOut, _flaps;

    internal BgpPeerMetrics(IMetricFactory f)
    {
        _sessions = f.CreateGauge("l3net_bgp_sessions", "BGP sessions by FSM state.", ["state"]);
        _prefixesTotal = f.CreateGauge("l3net_bgp_prefixes_received", "Prefixes received from all peers.");
        _state = f.CreateGauge("l3net_bgp_peer_state", "1 for the FSM state the session with the peer is in, 0 for the others.", [.. PeerLabels, "state"]);
        _uptime = f.CreateGauge("l3net_bgp_peer_uptime_seconds", "Time since the session reached Established (0 when it is not).", PeerLabels);
        _received = f.CreateGauge("l3net_bgp_peer_prefixes_received", "Prefixes the peer sent us that we hold (accepted or filtered).", PeerLabels);
        _accepted = f.CreateGauge("l3net_bgp_peer_prefixes_accepted", "Prefixes from the peer that passed import policy and loop checks.", PeerLabels);
        _advertised = f.CreateGauge("l3net_bgp_peer_prefixes_advertised", "Prefixes we advertise to the peer.", PeerLabels);
        _updatesIn = f.CreateCounter("l3net_bgp_peer_updates_received_total", "UPDATE messages received from the peer.", PeerLabels);
        _updatesOut = f.CreateCounter("l3net_bgp_peer_updates_sent_total", "UPDATE messages sent to the peer.", PeerLabels);
        _flaps = f.CreateCounter("l3net_bgp_peer_flaps_total", "Established sessions with the peer that went down.", PeerLabels);
        _lastError = f.CreateGauge("l3net_bgp_peer_last_error_info",
            "Why the session with the peer last went down or failed to come up, in the error label (always 1; absent until the first error).",
            [.. PeerLabels, "error"]);
    }

    /// <summary>The speaker's neighbours, set once the speaker runs; until then the page has no peers.</summary>
    public Func<IReadOnlyList<PeerState>>? Source { get; set; }

    public TimeProvider Time { get; set; } = TimeProvider.System;

    internal void Collect()
    {
        var peers = Source?.Invoke() ?? [];
        var now = Time.GetUtcNow();
        lock (_lock)
        {
            foreach (var state in States)
                _sessions.WithLabels(state.ToString()).Set(peers.Count(p => p.State == state));
            _prefixesTotal.Set(peers.Sum(p => p.PrefixesReceived));
            var keys = peers.Select(Labels).ToList();
            foreach (var collector in new Collector<Gauge.Child>[] { _uptime, _received, _accepted, _advertised })
                SeriesSet.RemoveAllBut(collector, keys);
            foreach (var collector in new Collector<Counter.Child>[] { _updatesIn, _updatesOut, _flaps })
                SeriesSet.RemoveAllBut(collector, keys);
            SeriesSet.RemoveAllBut(_state, keys.SelectMany(k => States.Select(s => (string[])[.. k, s.ToString()])));
            SeriesSet.SetExactly(_lastError, [.. peers.Where(p => p.Counters.LastError is not null).Select(p => ((string[])[.. Labels(p), p.Counters.LastError!], 1.0))]);
            foreach (var p in peers)
                Collect(p, Labels(p), now);
        }
    }

    private void Collect(PeerState p, string[] labels, DateTimeOffset now)
    {
        foreach (var state in States)
            _state.WithLabels([.. labels, state.ToString()]).Set(p.State == state ? 1 : 0);
        _uptime.WithLabels(labels).Set(p.State == BgpState.Established ? Math.Max(0, (now - p.Since).TotalSeconds) : 0);
        _received.WithLabels(labels).Set(p.PrefixesReceived);
        _accepted.WithLabels(labels).Set(p.PrefixesAccepted);
        _advertised.WithLabels(labels).Set(p.PrefixesAdvertised);
        SeriesSet.SetTotal(_updatesIn, labels, p.Counters.UpdatesReceived);
        SeriesSet.SetTotal(_updatesOut, labels, p.Counters.UpdatesSent);
        SeriesSet.SetTotal(_flaps, labels, p.Counters.Flaps);
    }

    private static string[] Labels(PeerState p) => [p.Address.ToString(), p.PeerType];
}
