using System.Net;
using System.Threading.Channels;
using L3Net.Bfd;
using L3Net.Bfd.Wire;
using L3Net.Bgp;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Felix;
using L3Net.Model.Resources;
using L3Net.Netlink;
using L3Net.Node.Bgp;
using L3Net.Node.Cache;
using L3Net.Node.Kubernetes;
using L3Net.Node.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace L3Net.Node;

/// <summary>
/// The node's control loop: registers the Node, fills its <see cref="ClusterCache"/>, then on every change the cache
/// applies (the deltas of one watch over all of <c>/l3net/</c>, coalesced) takes a <see cref="ClusterSnapshot"/> from it
/// without reading the datastore, reconfigures the speaker (originated prefixes, peers) and hands the
/// snapshot to the <see cref="DataplaneLoop"/>, which feeds Felix and applies it apart from this loop. The speaker's
/// configuration has one owner (this loop) and Felix another (the dataplane loop), so nothing needs a lock.
/// </summary>
public sealed partial class NodeAgent(NodeOptions options, NodeHealth health, NodeMetrics metrics, ILogger<NodeAgent> log) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly Channel<bool> _changed = Channel.CreateUnbounded<bool>();
    private IReadOnlyList<IPNetwork> _originated = [];
    /// <summary>BGPConfiguration logSeverityScreen, as Calico sets BIRD's: the speaker's lines are informational, so
    /// they show at Debug and Info (the default) only.</summary>
    private volatile bool _speakerLogs = true;

    /// <summary>BGPPeer passwords as of the last snapshot read: Secrets on the Kubernetes datastore, else inline values.</summary>
    private IPeerPasswords _passwords = InlinePasswords.Instance;

    /// <summary>The peers the Secrets were last read for: they are read again when a peer changes, and every resync
    /// interval while a peer names one (<see cref="RereadSecretsAsync"/>).</summary>
    private IReadOnlyList<BGPPeer>? _passwordsFor;
    private volatile bool _passwordsStale;

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
        var config = DatastoreConfig.Resolve(options.Datastore);
        await using var datastore = new ReadCountingDatastore(DatastoreFactory.Open(config), metrics.DatastoreReads);
        var store = new ResourceStore(datastore);
        var kubeClient = (datastore.Inner as KubernetesDatastore)?.Client;
        ClusterCache? cache = null;
        // An informer's change is laid over the cached records it concerns, then wakes this loop as a watch event does.
        var kube = kubeClient is null ? null : new KubeMetadata(kubeClient, change =>
        {
            cache?.MetadataChanged(change);
            _changed.Writer.TryWrite(true);
        });
        cache = new ClusterCache(datastore, options.Node, kube);
        metrics.Cni.PluginStampsEndpoints = kubeClient is null;
        var loops = new List<Task>();
        if (kube is not null)
        {
            loops.Add(RereadSecretsAsync(ct));
            loops.Add(kube.RunAsync(ct));
            await kube.Synced.WaitAsync(ct);
        }
        async Task<ClusterSnapshot> ReadAsync()
        {
            var read = cache.Snapshot();
            if (kube is null)
                return read;
            // The cache hands out the same decoded peers until one changes.
            if (_passwordsFor is null || _passwordsStale || !read.Peers.SequenceEqual(_passwordsFor))
            {
                _passwordsStale = false;
                _passwords = await RetryAsync(() => KubeSecretPasswords.ReadAsync(kubeClient!, KubeSecretPasswords.NodeNamespace(), read.Peers, ct),
                    "read the BGP password Secrets", ct);
                _passwordsFor = read.Peers;
            }
            return read;
        }
        await RegisterAsync(store, ct);
        health.Registered();
        await RetryAsync(async () =>
        {
            await cache.FillAsync(ct);
            return true;
        }, "read the datastore", ct);
        metrics.IpamReads.Inc(2);
        Sysctl.Write("net.ipv4.ip_forward", "1");
        // The kernel forwards IPv6 only with the global switch on (per-interface settings do not suffice), as Felix sets it.
        if (options.Ipv6Address is not null)
            Sysctl.Write("net.ipv6.conf.all.forwarding", "1");

        using var socket = new RouteSocket();
        // A kernel booted without IPv6 has no ip6tables to write; anything else gets both families.
        var felix = new FelixDataplane(socket, new CommandRunner(), ipv6: System.Net.Sockets.Socket.OSSupportsIPv6);
        felix.Routes.SetLocalAddresses(options.LocalAddresses);
        var takeover = new RestartTakeover(new Felix.Routes.RouteReconciler(socket), felix.Routes);

        var snapshot = await ReadAsync();
        var self = snapshot.Nodes.First(n => n.Metadata.Name == options.Node);
        var localAs = PeerCalculator.LocalAs(self, snapshot.Config);
        var listenPort = snapshot.ListenPorts.GetValueOrDefault(options.Node, BGPConfiguration.DefaultListenPort);
        await using var speaker = new BgpSpeaker(new SpeakerOptions
        {
            LocalAs = localAs,
            RouterId = options.Ipv4Address,
            // A dual-stack node's IPv6 sessions arrive at its IPv6 address: one dual-mode socket on all addresses then
            // (as BIRD listens), the IPv4 address otherwise.
            ListenAddress = options.Ipv6Address is null ? options.Ipv4Address : null,
            ListenPort = listenPort,
            ClusterId = IPAddress.TryParse(self.Spec.Bgp?.RouteReflectorClusterId, out var cluster) ? cluster : null,
            Restarting = takeover.ForwardingPreserved,
            StopLeavesRoutes = true,
            Multipath = true,
            Log = m =>
            {
                if (_speakerLogs)
                    LogSpeaker(log, m);
            },
        });
        // Disposed before the speaker: its sessions send Admin Down, which peers do not count as a failure.
        await using var bfd = new BfdService(new BfdOptions { Log = m => LogSpeaker(log, m) });
        health.Fill = r =>
        {
            r.AsNumber = localAs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            r.RouterId = options.Ipv4Address.ToString();
            var sessions = bfd.Sessions.ToDictionary(b => b.Peer);
            r.Peers = [.. speaker.Peers.Select(p => ToStatus(p, sessions.GetValueOrDefault(p.Address)))];
            return r;
        };
        metrics.Peers.Source = () => speaker.Peers;
        await speaker.StartAsync(ct);
        LogStarted(log, options.Node, localAs, takeover.Adopted);

        // This loop follows the datastore and configures the speaker; the dataplane loop applies Felix; the watch (and
        // under Kubernetes the informers) wake this one; BFD state changes go to the speaker from a loop of their own.
        Configure(snapshot, speaker, bfd);
        metrics.Cni.Update(options.Node, snapshot.LocalEndpoints, snapshot.OwnBlocks);
        loops.Add(FollowBfdAsync(bfd, speaker, ct));
        var dataplane = new DataplaneLoop(options, felix, takeover, health, metrics, log);
        loops.Add(dataplane.RunAsync(speaker, snapshot, ct));
        loops.Add(cache.FollowAsync(new CacheObserver(() => _changed.Writer.TryWrite(true), DatastoreFailed, () =>
        {
            metrics.DatastoreResyncs.Inc();
            metrics.IpamReads.Inc(2);
            health.DatastoreOk();
        }), ct));
        while (!ct.IsCancellationRequested)
        {
            var changed = _changed.Reader.WaitToReadAsync(ct).AsTask();
            if (await Task.WhenAny(loops.Append(changed)) != changed)
                await Task.WhenAll(loops); // a loop ended before cancellation: its error is the agent's
            while (_changed.Reader.TryRead(out _))
            {
            }
            var (configured, passwords) = (snapshot, _passwords);
            snapshot = await ReadAsync();
            // A change of endpoints or policies alone is the dataplane's: the speaker's inputs are as they were (the
            // cache hands out the same nodes until one changes, in the store or, under Kubernetes, in the API; the
            // Secrets are a new read when they were read again).
            if (snapshot.BgpRevision != configured.BgpRevision || !ReferenceEquals(snapshot.Nodes, configured.Nodes) || !ReferenceEquals(passwords, _passwords))
                Configure(snapshot, speaker, bfd);
            metrics.Cni.Update(options.Node, snapshot.LocalEndpoints, snapshot.OwnBlocks);
            if (snapshot.ListenPorts.GetValueOrDefault(options.Node, BGPConfiguration.DefaultListenPort) is var port && port != listenPort)
                LogWarning(log, $"BGPConfiguration listenPort is now {port}; this node keeps listening on {listenPort} until l3net-node restarts");
            dataplane.Publish(snapshot);
        }
    }

    /// <summary>Secrets cannot be watched (deploy/rbac.yaml grants get, as Calico's node has): while a peer names one,
    /// they are read again every resync interval, so a rotated password reaches its session within that time; the
    /// speaker resets a session only when its password actually changed.</summary>
    private async Task RereadSecretsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.ResyncInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                if (_passwordsFor?.Any(p => p.Spec.Password?.SecretKeyRef is not null) == true)
                {
                    _passwordsStale = true;
                    _changed.Writer.TryWrite(true);
                }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>The speaker's half of a snapshot: originated prefixes, peers, and their BFD sessions.</summary>
    private void Configure(ClusterSnapshot snapshot, BgpSpeaker speaker, BfdService bfd)
    {
        var self = snapshot.Nodes.FirstOrDefault(n => n.Metadata.Name == options.Node);
        if (self is null)
            return; // deleted under us; the next registration retry is the operator's restart
        _speakerLogs = snapshot.Config?.Spec.LogSeverity?.ToLowerInvariant() is null or "debug" or "info";
        var originated = snapshot.Originated();
        if (!originated.ToHashSet().SetEquals(_originated))
        {
            var added = string.Join(' ', originated.Except(_originated));
            var removed = string.Join(' ', _originated.Except(originated));
            LogOriginated(log, added, removed);
            _originated = originated;
        }
        // Peers first: after a restart the speaker holds back its UPDATEs and End-of-RIB (RFC 4724 4.1) until it knows
        // what it originates and every peer sent its End-of-RIB; with no peer known yet, that would hold trivially.
        var inputs = new BgpInputs(self, snapshot.Nodes, snapshot.Config, snapshot.Peers) { ListenPorts = snapshot.ListenPorts, Filters = snapshot.Filters };
        var peers = PeerCalculator.Calculate(inputs, m => LogWarning(log, m), _passwords);
        speaker.SetPeers(peers);
        try
        {
            bfd.SetPeers(BfdRequests.Sessions(peers, options.Ipv4Address, options.Ipv6Address));
        }
        catch (BfdStartException e)
        {
            // BGP runs on without BFD (a session that never came Up never holds BGP down); the log says why.
            LogBfdFailed(log, e.Message);
        }
        // A peer whose BFD was turned off while it was down is no longer held: nothing would ever release it.
        foreach (var peer in peers.Where(p => p.Bfd is null))
            speaker.HoldDown(peer.Address, null);
        speaker.SetOriginated(originated, AdvertisedCommunities.From(snapshot.Config));
        metrics.PrefixesAdvertised.Set(originated.Count);
        metrics.Ipam.Update(options.Node, snapshot.Pools, snapshot.OwnBlocks);
    }

    /// <summary>RFC 5882 4.3: a BFD failure takes the BGP session down at once (its routes are withdrawn as for any
    /// closed session) and keeps it down until BFD is Up again. The peer's Admin Down is not a failure (RFC 5882 3.2):
    /// the BGP session stays.</summary>
    private async Task FollowBfdAsync(BfdService bfd, BgpSpeaker speaker, CancellationToken ct)
    {
        await foreach (var change in bfd.Changes.ReadAllAsync(ct))
        {
            if (change.IsFailure)
            {
                LogBfdDown(log, change.Peer, change.Diagnostic);
                speaker.HoldDown(change.Peer, $"BFD Down ({change.Diagnostic})");
            }
            else if (change.To == BfdState.Up)
                speaker.HoldDown(change.Peer, null);
        }
    }

    private void DatastoreFailed(DatastoreException e)
    {
        health.DatastoreFailed(e.Message);
        metrics.Errors.WithLabels("datastore").Inc();
    }

    private async Task RegisterAsync(ResourceStore store, CancellationToken ct)
    {
        await RetryAsync(async () =>
        {
            var node = await store.GetAsync<NodeResource>(options.Node, ct: ct);
            if (node is null)
            {
                node = new NodeResource { Metadata = { Name = options.Node } };
                node.Spec.Bgp = new NodeBgpSpec { Ipv4Address = options.Ipv4Cidr, Ipv6Address = options.Ipv6Cidr, AsNumber = options.AsNumber };
                return await store.CreateAsync(node, ct);
            }
            // Keep what operators set (labels, route reflector cluster ID); own the addresses (a node restarted without
            // --ipv6-address stops being dual-stack) and the AS flag.
            node.Spec.Bgp ??= new NodeBgpSpec();
            node.Spec.Bgp.Ipv4Address = options.Ipv4Cidr;
            node.Spec.Bgp.Ipv6Address = options.Ipv6Cidr;
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
                DatastoreFailed(e);
                LogRetry(log, what, e.Message);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }

    private static Model.Status.BgpPeerStatus ToStatus(PeerState p, BfdSessionStatus? bfd) => new()
    {
        PeerAddress = p.Address.ToString(),
        PeerType = p.PeerType,
        State = p.State.ToString(),
        Since = p.Since,
        Info = p.Info ?? p.State.ToString(),
        PrefixesReceived = p.PrefixesReceived,
        PrefixesAccepted = p.PrefixesAccepted,
        PrefixesAdvertised = p.PrefixesAdvertised,
        Bfd = bfd is null ? null : new Model.Status.BfdPeerStatus
        {
            State = bfd.State.ToString(),
            RemoteState = bfd.RemoteState.ToString(),
            Diagnostic = bfd.Diagnostic.ToString(),
            Since = bfd.Since,
            MinRxMs = (int)bfd.Configured.MinRx.TotalMilliseconds,
            MinTxMs = (int)bfd.Configured.MinTx.TotalMilliseconds,
            Multiplier = bfd.Configured.Multiplier,
            TransmitIntervalMs = bfd.TransmitInterval.TotalMilliseconds,
            DetectionTimeMs = bfd.DetectionTime.TotalMilliseconds,
        },
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "bgp: {Message}")]
    private static partial void LogSpeaker(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} running as AS {As}; adopted {Adopted} learned routes left by a previous process")]
    private static partial void LogStarted(ILogger logger, string node, uint @as, int adopted);

    [LoggerMessage(Level = LogLevel.Information, Message = "advertising [{Added}], withdrawing [{Removed}]")]
    private static partial void LogOriginated(ILogger logger, string added, string removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "BFD to {Peer} went Down ({Diagnostic}): taking its BGP session down")]
    private static partial void LogBfdDown(ILogger logger, IPAddress peer, BfdDiagnostic diagnostic);

    [LoggerMessage(Level = LogLevel.Error, Message = "BFD cannot run: {Error}")]
    private static partial void LogBfdFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogWarning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not {What}, retrying: {Error}")]
    private static partial void LogRetry(ILogger logger, string what, string error);
}
