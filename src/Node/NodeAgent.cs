using System.Net;
using System.Threading.Channels;
using L3Net.Bgp;
using L3Net.Datastore;
using L3Net.Felix;
using L3Net.Felix.Policy;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Node.Bgp;
using L3Net.Node.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace L3Net.Node;

/// <summary>
/// The node's one control loop: registers the Node, then on every datastore change (one watch over all of
/// <c>/l3net/</c>, coalesced) reads a <see cref="ClusterSnapshot"/>, reconfigures the speaker (peers, originated
/// prefixes) and feeds Felix; Loc-RIB changes go to Felix's route table; every resync interval the whole dataplane is
/// compared with the kernel. One loop owns Felix and the speaker's configuration, so nothing here needs a lock.
/// </summary>
public sealed partial class NodeAgent(NodeOptions options, NodeHealth health, NodeMetrics metrics, ILogger<NodeAgent> log) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly Channel<bool> _wake = Channel.CreateUnbounded<bool>();

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            await RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // SIGTERM: routes stay in the kernel on purpose (graceful restart); the speaker is disposed below.
        }
        catch (Exception e)
        {
            log.LogCritical(e, "node agent stopped");
            health.Fatal(e.Message);
            throw;
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        await using var datastore = DatastoreFactory.Open(DatastoreConfig.Resolve(options.Datastore));
        var store = new ResourceStore(datastore);
        var ipam = new IpamService(datastore);
        await RegisterAsync(store, ct);
        health.Registered();
        Sysctl.Write("net.ipv4.ip_forward", "1");

        using var socket = new RouteSocket();
        var felix = new FelixDataplane(socket, new CommandRunner());
        felix.Routes.SetLocalAddresses([options.Ipv4Address]);
        var takeover = new RestartTakeover(new Felix.Routes.RouteReconciler(socket), felix.Routes);

        var snapshot = await RetryAsync(() => ClusterSnapshot.ReadAsync(store, ipam, options.Node, ct), "read the datastore", ct);
        var self = snapshot.Nodes.First(n => n.Metadata.Name == options.Node);
        var localAs = PeerCalculator.LocalAs(self, snapshot.Config);
        await using var speaker = new BgpSpeaker(new SpeakerOptions
        {
            LocalAs = localAs,
            RouterId = options.Ipv4Address,
            ListenAddress = options.Ipv4Address,
            ListenPort = options.BgpPort,
            ClusterId = IPAddress.TryParse(self.Spec.Bgp?.RouteReflectorClusterId, out var cluster) ? cluster : null,
            Restarting = takeover.Adopted > 0,
            Multipath = true,
            Log = m => LogSpeaker(log, m),
        });
        health.Fill = r =>
        {
            r.AsNumber = localAs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            r.RouterId = options.Ipv4Address.ToString();
            r.Peers = [.. speaker.Peers.Select(ToStatus)];
            return r;
        };
        await speaker.StartAsync(ct);
        LogStarted(log, options.Node, localAs, takeover.Adopted);

        var watch = WatchAsync(datastore, snapshot.Revision, ct);
        var rib = PumpRibAsync(speaker, ct);
        var nextResync = DateTime.UtcNow;
        var dirty = true;
        while (!ct.IsCancellationRequested)
        {
            if (dirty)
            {
                snapshot = await RetryAsync(() => ClusterSnapshot.ReadAsync(store, ipam, options.Node, ct), "read the datastore", ct);
                Configure(snapshot, speaker, felix);
            }
            while (speaker.RouteChanges.TryRead(out var change))
            {
                felix.Routes.SetLearned(change.Prefix, change.NextHops);
                takeover.Relearned(change.Prefix);
                metrics.Increment("l3net_bgp_route_changes_total");
            }
            takeover.ExpireIfSettled(speaker.Peers);
            var resync = DateTime.UtcNow >= nextResync;
            await ApplyAsync(felix, resync, ct);
            if (resync)
                nextResync = DateTime.UtcNow + options.ResyncInterval;
            UpdateMetrics(speaker, felix, snapshot);

            dirty = await WaitAsync(nextResync - DateTime.UtcNow, ct);
        }
        await Task.WhenAll(watch, rib);
    }

    private void Configure(ClusterSnapshot snapshot, BgpSpeaker speaker, FelixDataplane felix)
    {
        var self = snapshot.Nodes.FirstOrDefault(n => n.Metadata.Name == options.Node);
        if (self is null)
            return; // deleted under us; the next registration retry is the operator's restart
        speaker.SetPeers(PeerCalculator.Calculate(new BgpInputs(self, snapshot.Nodes, snapshot.Config, snapshot.Peers), m => LogWarning(log, m)));
        var originated = snapshot.Originated();
        speaker.SetOriginated(originated);
        metrics.Set("l3net_bgp_prefixes_advertised", originated.Count);

        var local = snapshot.Endpoints.Where(e => e.Spec.Node == options.Node && e.Spec.InterfaceName.Length > 0).ToDictionary(Key);
        foreach (var gone in felix.Routes.EndpointKeys.Where(k => !local.ContainsKey(k)).ToList())
            felix.Routes.RemoveEndpoint(gone);
        foreach (var (key, ep) in local)
        {
            felix.Routes.SetEndpoint(key, ep.Spec.InterfaceName,
                ep.Spec.IpNetworks.Select(a => IPNetwork.TryParse(a, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>());
        }
        felix.Routes.SetBlocks(snapshot.AffineBlocks);
        felix.SetRuleInputs(new RuleInputs(options.Node, snapshot.Endpoints, snapshot.Policies, snapshot.Pools));
        metrics.Increment("l3net_ipam_reads_total", 2);
    }

    private async Task ApplyAsync(FelixDataplane felix, bool resync, CancellationToken ct)
    {
        try
        {
            var result = await felix.ApplyAsync(resync, ct);
            metrics.Observe("l3net_dataplane_apply_seconds", result.Elapsed);
            if (resync)
            {
                metrics.Increment("l3net_dataplane_resyncs_total");
                var repaired = result.Routes.Upserted + result.Routes.Deleted + result.Iptables.ChainsWritten + result.Iptables.HooksFixed;
                metrics.Increment("l3net_dataplane_repairs_total", repaired);
            }
            if (result.Routes.Failed > 0)
            {
                metrics.Increment("l3net_dataplane_errors_total", result.Routes.Failed);
                LogRouteFailures(log, result.Routes.Failed, string.Join("; ", result.Routes.Errors));
            }
            health.DataplaneSynced();
        }
        catch (Exception e) when (e is DataplaneCommandException or NetlinkException)
        {
            metrics.Increment("l3net_dataplane_errors_total");
            LogApplyFailed(log, e.Message);
        }
    }

    /// <summary>Waits for a wake-up or the resync deadline; true when the datastore changed.</summary>
    private async Task<bool> WaitAsync(TimeSpan untilResync, CancellationToken ct)
    {
        var dirty = false;
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
        while (_wake.Reader.TryRead(out var d))
            dirty |= d;
        return dirty;
    }

    private async Task WatchAsync(IDatastore datastore, long revision, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in datastore.WatchAsync("/l3net/", revision + 1, ct))
                {
                    revision = e.Revision;
                    _wake.Writer.TryWrite(true);
                }
            }
            catch (ResyncRequiredException)
            {
                metrics.Increment("l3net_datastore_resyncs_total");
                revision = (await datastore.ListAsync("/l3net/nodes/", ct)).Revision;
                _wake.Writer.TryWrite(true);
            }
            catch (DatastoreException e)
            {
                health.DatastoreFailed(e.Message);
                metrics.Increment("l3net_errors_total", labels: "component=\"datastore\"");
                await Task.Delay(RetryDelay, ct);
            }
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

    private async Task RegisterAsync(ResourceStore store, CancellationToken ct)
    {
        await RetryAsync(async () =>
        {
            var node = await store.GetAsync<NodeResource>(options.Node, ct: ct);
            if (node is null)
            {
                node = new NodeResource { Metadata = { Name = options.Node } };
                node.Spec.Bgp = new NodeBgpSpec { Ipv4Address = options.Ipv4Cidr, AsNumber = options.AsNumber };
                return await store.CreateAsync(node, ct);
            }
            // Keep what operators set (labels, route reflector cluster ID); own the address and the AS flag.
            node.Spec.Bgp ??= new NodeBgpSpec();
            node.Spec.Bgp.Ipv4Address = options.Ipv4Cidr;
            if (options.AsNumber is not null)
                node.Spec.Bgp.AsNumber = options.AsNumber;
            return await store.UpdateAsync(node, ct);
        }, "register the node", ct);
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> action, string what, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                var result = await action();
                health.DatastoreOk();
                return result;
            }
            catch (DatastoreException e)
            {
                health.DatastoreFailed(e.Message);
                metrics.Increment("l3net_errors_total", labels: "component=\"datastore\"");
                LogRetry(log, what, e.Message);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }

    private void UpdateMetrics(BgpSpeaker speaker, FelixDataplane felix, ClusterSnapshot snapshot)
    {
        var peers = speaker.Peers;
        metrics.Reset("l3net_bgp_sessions");
        foreach (var g in peers.GroupBy(p => p.State))
            metrics.Set("l3net_bgp_sessions", g.Count(), $"state=\"{g.Key}\"");
        metrics.Set("l3net_bgp_prefixes_received", peers.Sum(p => p.PrefixesReceived));
        metrics.Set("l3net_dataplane_routes", felix.Routes.LearnedCount, "kind=\"learned\"");
        metrics.Set("l3net_dataplane_routes", felix.Routes.EndpointKeys.Count, "kind=\"endpoint\"");
        metrics.Set("l3net_dataplane_routes", snapshot.AffineBlocks.Count, "kind=\"blackhole\"");
    }

    private static string Key(WorkloadEndpoint e) => $"{e.Metadata.Namespace}/{e.Metadata.Name}";

    private static Model.Status.BgpPeerStatus ToStatus(PeerState p) => new()
    {
        PeerAddress = p.Address.ToString(),
        PeerType = p.PeerType,
        State = p.State.ToString(),
        Since = p.Since,
        Info = p.Info ?? p.State.ToString(),
        PrefixesReceived = p.PrefixesReceived,
        PrefixesAccepted = p.PrefixesAccepted,
        PrefixesAdvertised = p.PrefixesAdvertised,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "bgp: {Message}")]
    private static partial void LogSpeaker(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} running as AS {As}; adopted {Adopted} learned routes left by a previous process")]
    private static partial void LogStarted(ILogger logger, string node, uint @as, int adopted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogWarning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} route changes refused by the kernel: {Errors}")]
    private static partial void LogRouteFailures(ILogger logger, int count, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dataplane apply failed (retried at the next change or resync): {Error}")]
    private static partial void LogApplyFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not {What}, retrying: {Error}")]
    private static partial void LogRetry(ILogger logger, string what, string error);
}
