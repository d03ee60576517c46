using System.Net;
using System.Threading.Channels;
using L3Net.Bgp;
using L3Net.Felix;
using L3Net.Felix.Policy;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Node.Status;
using Microsoft.Extensions.Logging;

namespace L3Net.Node;

/// <summary>
/// The dataplane half of the node: the latest <see cref="ClusterSnapshot"/> and the speaker's Loc-RIB changes in,
/// Felix applies out, and the periodic resync. It runs apart from the control loop (datastore → speaker) because an
/// apply can be slow — a resync forks iptables-save and ipset and reads every route, hundreds of milliseconds on a busy
/// node — and an advertisement or a withdrawal must not wait behind it. One loop owns Felix, so nothing here needs a
/// lock: the control loop only publishes a snapshot (a reference swap) and wakes it. What the kernel refused is
/// retried when Felix asks (<see cref="FelixDataplane.RetryAt"/>), and the node is not ready while a refusal has stayed
/// unapplied for <see cref="FelixDataplane.ReadinessBound"/>.
/// </summary>
public sealed partial class DataplaneLoop(NodeOptions options, FelixDataplane felix, RestartTakeover takeover, NodeHealth health,
    NodeMetrics metrics, ILogger log)
{
    private readonly Channel<bool> _wake = Channel.CreateUnbounded<bool>();
    private ClusterSnapshot? _published;
    private ClusterSnapshot? _fed;

    /// <summary>Hands the loop a newer snapshot; only the latest one is ever applied.</summary>
    public void Publish(ClusterSnapshot snapshot)
    {
        Volatile.Write(ref _published, snapshot);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Runs until cancelled, starting from <paramref name="first"/>: never before a snapshot, since the first
    /// apply is a resync and would delete every block and endpoint route it does not know yet.</summary>
    public async Task RunAsync(BgpSpeaker speaker, ClusterSnapshot first, CancellationToken ct)
    {
        Volatile.Write(ref _published, first);
        var rib = PumpRibAsync(speaker, ct);
        ClusterSnapshot? applied = null;
        var nextResync = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            var snapshot = Volatile.Read(ref _published)!;
            if (!ReferenceEquals(snapshot, applied))
            {
                Configure(snapshot);
                applied = snapshot;
            }
            while (speaker.RouteChanges.TryRead(out var change))
            {
                felix.Routes.SetLearned(change.Prefix, LinkLocalNextHops.Scope(change.NextHops, () => LinkLocalNextHops.InterfaceOf(options.Ipv6Address)));
                takeover.Relearned(change.Prefix);
                metrics.RouteChanges.Inc();
            }
            takeover.ExpireIfSettled(speaker.Peers);
            var resync = DateTime.UtcNow >= nextResync;
            await ApplyAsync(resync, ct);
            if (resync)
                nextResync = DateTime.UtcNow + options.ResyncInterval;
            UpdateMetrics(snapshot);
            var wakeAt = felix.RetryAt is { } retry && retry < nextResync ? retry : nextResync;
            await WaitAsync(wakeAt - DateTime.UtcNow, ct);
        }
        await rib;
    }

    /// <summary>Feeds Felix what changed since the snapshot it was last fed: the endpoints and policies the cache's
    /// journal names (a remote pod costs its pod sets, not a pass over the cluster; a namespace's new labels cost the
    /// sets of its pods, which the journal names), or everything after a relist.</summary>
    private void Configure(ClusterSnapshot snapshot)
    {
        var rules = felix.RulesOf(options.Node);
        var changed = _fed is null ? null : snapshot.Changes.Take(_fed.JournalPosition, snapshot.JournalPosition);
        if (changed is null)
        {
            foreach (var gone in felix.Routes.EndpointKeys.Where(k => !snapshot.LocalEndpoints.ByKey.ContainsKey(k)).ToList())
                felix.Routes.RemoveEndpoint(gone);
            foreach (var (key, ep) in snapshot.LocalEndpoints.ByKey)
                Route(key, ep);
            rules.Reset(snapshot.Endpoints.ByKey, snapshot.Policies.ByKey, snapshot.Pools, snapshot.NamespaceLabels);
        }
        else
        {
            if (!Equals(snapshot.NamespaceLabels, _fed!.NamespaceLabels))
                rules.ReplaceNamespaceLabels(snapshot.NamespaceLabels);
            foreach (var key in changed)
            {
                if (snapshot.Endpoints.ByKey.TryGetValue(key, out var ep))
                {
                    Route(key, ep);
                    rules.SetEndpoint(key, ep);
                }
                else if (snapshot.Policies.ByKey.TryGetValue(key, out var policy))
                {
                    rules.SetPolicy(key, policy);
                }
                else
                {
                    felix.Routes.RemoveEndpoint(key);
                    rules.RemoveEndpoint(key);
                    rules.RemovePolicy(key);
                }
            }
            if (!snapshot.Pools.SequenceEqual(_fed.Pools))
                rules.SetPools(snapshot.Pools);
        }
        felix.Routes.SetBlocks(snapshot.AffineBlocks);
        _fed = snapshot;
    }

    /// <summary>A local endpoint with its interface gets its host routes; any other has none here.</summary>
    private void Route(string key, WorkloadEndpoint ep)
    {
        if (RuleCalculator.IsLocal(ep, options.Node))
        {
            felix.Routes.SetEndpoint(key, ep.Spec.InterfaceName,
                ep.Spec.IpNetworks.Select(a => IPNetwork.TryParse(a, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>());
        }
        else
        {
            felix.Routes.RemoveEndpoint(key);
        }
    }

    private async Task ApplyAsync(bool resync, CancellationToken ct)
    {
        try
        {
            var result = await felix.ApplyAsync(resync, ct);
            metrics.DataplaneApply.Observe(result.Elapsed.TotalSeconds);
            if (resync)
            {
                metrics.DataplaneResyncs.Inc();
                var repaired = result.Routes.Upserted + result.Routes.Deleted + result.Rules.ChainsWritten + result.Rules.HooksFixed + result.SysctlsRepaired;
                metrics.DataplaneRepairs.Inc(repaired);
            }
            if (result.Routes.Failed > 0)
            {
                metrics.DataplaneErrors.Inc(result.Routes.Failed);
                LogRouteFailures(log, result.Routes.Failed, string.Join("; ", result.Routes.Errors));
            }
            health.DataplaneSynced();
        }
        catch (Exception e) when (e is DataplaneCommandException or NetlinkException)
        {
            metrics.DataplaneErrors.Inc();
            LogApplyFailed(log, e.Message);
        }
        health.DataplaneBehind(felix.OutOfSync(FelixDataplane.ReadinessBound));
    }

    /// <summary>Waits for a snapshot, a Loc-RIB change, Felix's retry of what the kernel refused, or the resync deadline.</summary>
    private async Task WaitAsync(TimeSpan untilResync, CancellationToken ct)
    {
        if (!_wake.Reader.TryPeek(out _) && untilResync > TimeSpan.Zero)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(untilResync);
            try
            {
                await _wake.Reader.WaitToReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // resync time
            }
        }
        while (_wake.Reader.TryRead(out _))
        {
        }
    }

    private async Task PumpRibAsync(BgpSpeaker speaker, CancellationToken ct)
    {
        while (await speaker.RouteChanges.WaitToReadAsync(ct))
        {
            _wake.Writer.TryWrite(false);
            // Let a burst of UPDATEs collect so that Felix programs them in one netlink batch.
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    private void UpdateMetrics(ClusterSnapshot snapshot)
    {
        metrics.DataplaneRoutes.WithLabels("learned").Set(felix.Routes.LearnedCount);
        metrics.DataplaneRoutes.WithLabels("endpoint").Set(felix.Routes.EndpointKeys.Count);
        metrics.DataplaneRoutes.WithLabels("blackhole").Set(snapshot.AffineBlocks.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} route changes refused by the kernel: {Errors}")]
    private static partial void LogRouteFailures(ILogger logger, int count, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dataplane apply failed (retried with backoff): {Error}")]
    private static partial void LogApplyFailed(ILogger logger, string error);
}
