using System.Net;
using L3Net.Datastore;
using L3Net.Datastore.Kubernetes;
using L3Net.Ipam;
using L3Net.Model.Resources;
using L3Net.Netlink;
using Microsoft.Win32.SafeHandles;

namespace L3Net.Cni;

/// <summary>
/// One invocation of the plugin: the commands of CNI 1.1.0 over a lazily opened datastore (VERSION never opens it).
/// <see cref="IpamOnly"/> makes it the `l3net-ipam` plugin: addresses only, the calling plugin owns the interfaces.
/// With <paramref name="host"/> (the node daemon serving a handed-off invocation) the datastore is the host's, open
/// already and left open, and DEL leaves the veth's removal to the host, after the answer.
/// </summary>
public sealed class Plugin(NetConf conf, CniEnvironment env, bool ipamOnly, Log log, CniHost? host = null) : IAsyncDisposable
{
    private IDatastore? _datastore;

    public bool IpamOnly { get; } = ipamOnly;

    private string Network => conf.Name!;

    private string Node { get; } = conf.NodeName is { Length: > 0 } n ? n : System.Net.Dns.GetHostName();

    private string DatastoreString { get; } = DatastoreConfig.Resolve(conf.Datastore);

    private IDatastore Datastore => _datastore ??= OpenDatastore();

    /// <summary>The datastore string is configuration: a malformed one is the config's error (code 7), named as such.</summary>
    private IDatastore OpenDatastore()
    {
        try
        {
            if (host is not null)
                return host.Datastores.Get(DatastoreString);
            // Before the client is built: building it fixes the library's JSON options (measured: later has no effect).
            // Only in the plugin's own short-lived process: a long-running host reads other fields of its Pods.
            if (KubeApi.IsKubernetesDatastore(DatastoreString))
                KubernetesPodInfo.ReadOnlyWhatPodInfoNeeds();
            return DatastoreFactory.Open(DatastoreString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CniException(CniCodes.InvalidConfig, $"datastore: {e.Message}", null, e);
        }
    }

    public ValueTask DisposeAsync() => host is null ? _datastore?.DisposeAsync() ?? ValueTask.CompletedTask : ValueTask.CompletedTask;

    /// <summary>Runs the command; returns the result to print, or null when the command prints nothing.</summary>
    public Task<CniResult?> RunAsync(CancellationToken ct) => env.Command switch
    {
        "ADD" => AddAsync(ct),
        "DEL" => Nothing(DelAsync(ct)),
        "CHECK" => Nothing(CheckAsync(ct)),
        "GC" => Nothing(GcAsync(ct)),
        "STATUS" => Nothing(StatusAsync(ct)),
        _ => throw new CniException(CniCodes.InvalidEnvironment, $"unknown CNI_COMMAND '{env.Command}'"),
    };

    private static async Task<CniResult?> Nothing(Task task)
    {
        await task;
        return null;
    }

    private async Task<CniResult?> AddAsync(CancellationToken ct)
    {
        var addressing = new PodAddressing(new IpamService(Datastore), conf, env, Node);
        // Independent reads, sent together (each is a round trip on etcd or the API server). The handle's is outside the
        // IPAM turn: only this attachment writes it, and a host runs one invocation of an attachment at a time.
        var podRead = PodInfoAsync(ct);
        var heldRead = addressing.HeldAsync(ct);
        await Task.WhenAll(podRead, heldRead);
        var pod = podRead.Result;
        StartupTrace.Mark("pod read");
        var assignment = await InIpamTurn(() => addressing.AssignAsync(heldRead.Result, pod, ct));
        var addresses = assignment.Addresses;
        StartupTrace.Mark("addresses assigned");
        log.Write($"ADD {env.ContainerId}: {(assignment.Reused ? "already holds" : "assigned")} {string.Join(", ", addresses)}");
        if (IpamOnly)
            return Results.ForIpam(conf, addresses);
        var hostName = HostInterfaceName.For(env.WorkloadId);
        using var host = new RouteSocket();
        SafeFileHandle? podNs = null;
        try
        {
            podNs = PodDataplane.OpenNamespace(env.Netns!);
            var interfaces = PodDataplane.Setup(host, podNs, env.Netns!, env.IfName, hostName, addresses, conf.Mtu);
            StartupTrace.Mark("veth set up");
            var ipNetworks = addresses.Select(a => $"{a}/{PodDataplane.HostPrefix(a)}");
            // A new pod has no endpoint yet: created without a read first; a retried ADD's is found and replaced.
            await new ResourceStore(Datastore).ApplyAsync(Endpoints.Build(Node, Network, env, interfaces, ipNetworks, pod), assumeAbsent: true, ct);
            StartupTrace.Mark("endpoint written");
            return Results.ForPod(conf, env, interfaces, addresses);
        }
        catch (Exception e)
        {
            // Roll back in reverse: veth (with its routes), then what this ADD assigned. Nothing of this ADD may remain,
            // and the runtime hears why the ADD failed, not why a rollback step did.
            log.Write($"ADD {env.ContainerId} failed, rolling back: {e.Message}");
            var rollback = new Rollback(log, $"ADD {env.ContainerId}");
            if (podNs is not null) // Setup has replaced any earlier host end: what is there now is this ADD's
                rollback.Step("remove veth " + hostName, () => host.DeleteLink(hostName));
            await rollback.StepAsync("release " + string.Join(", ", addresses),
                () => InIpamTurn(() => addressing.RollBackAsync(assignment, CancellationToken.None)));
            throw;
        }
        finally
        {
            podNs?.Dispose();
        }
    }

    private Task<T> InIpamTurn<T>(Func<Task<T>> operation) => host is null ? operation() : host.InIpamTurnAsync(operation);

    private Task InIpamTurn(Func<Task> operation) => InIpamTurn(async () =>
    {
        await operation();
        return true;
    });

    /// <summary>The pod's labels and address annotations, when the datastore is the Kubernetes API and the runtime named
    /// a pod; null otherwise, or when the pod is already gone.</summary>
    private async Task<PodInfo?> PodInfoAsync(CancellationToken ct)
    {
        // The lookup borrows the datastore's API client: one connection (one TLS handshake) per invocation, not two.
        if (env.PodName is not { Length: > 0 } name || Datastore is not KubernetesDatastore kube)
            return null;
        var client = kube.Client;
        StartupTrace.Mark("kubernetes client built");
        return await new KubernetesPodInfo(client).GetAsync(env.PodNamespace ?? "default", name, ct);
    }

    /// <summary>Idempotent: what is already gone (namespace, veth, addresses, record) is not an error. Deleting the
    /// veth is most of a DEL's time (the kernel waits for RCU grace periods); a host does it after answering
    /// (<see cref="CniHost.DeferredTeardown"/>). Its addresses may then be assigned again while it still exists, which is
    /// harmless: the new pod's host route replaces the old one, and the old veth, in the dying pod's namespace, is
    /// deleted by index, never a newer interface of its name.</summary>
    private async Task DelAsync(CancellationToken ct)
    {
        if (!IpamOnly && PodDataplane.FindTeardown(env.Netns, env.IfName) is { } teardown)
        {
            if (host is not null)
                host.DeferredTeardown = teardown;
            else
                teardown.Run();
        }
        StartupTrace.Mark("veth removed");
        var released = await InIpamTurn(() => new PodAddressing(new IpamService(Datastore), conf, env, Node).ReleaseAsync(ct));
        StartupTrace.Mark("addresses released");
        if (!IpamOnly)
            await Endpoints.DeleteAsync(new ResourceStore(Datastore), Node, env, ct);
        StartupTrace.Mark("endpoint deleted");
        log.Write($"DEL {env.ContainerId}: released {released} address(es)");
    }

    private async Task CheckAsync(CancellationToken ct)
    {
        var previous = conf.PrevResult ?? throw new CniException(CniCodes.InvalidConfig, "CHECK needs prevResult");
        var addresses = Results.AddressesOf(previous);
        var problems = new List<string>();
        var blocks = await new IpamService(Datastore).ListBlocksAsync(ct);
        var handle = PodAddressing.HandleOf(Network, env.ContainerId);
        foreach (var address in addresses)
            if (!blocks.Any(b => b.Allocations.Any(a => a.Address.Equals(address) && a.Handle == handle)))
                problems.Add($"address {address} is not assigned to {handle}");
        if (!IpamOnly)
        {
            using var host = new RouteSocket();
            problems.AddRange(PodCheck.Problems(host, env.Netns!, env.IfName, HostInterfaceName.For(env.WorkloadId), addresses));
        }
        if (problems.Count > 0)
            throw new CniException(CniCodes.CheckFailed, string.Join("; ", problems));
    }

    /// <summary>Frees the addresses (and records) of this network on this node whose attachment the runtime no longer lists.</summary>
    private async Task GcAsync(CancellationToken ct)
    {
        var valid = (conf.ValidAttachments ?? []).Select(a => PodAddressing.HandleOf(Network, a.ContainerId ?? "")).ToHashSet();
        var ipam = new IpamService(Datastore);
        var stale = (await ipam.ListBlocksAsync(ct))
            .SelectMany(b => b.Allocations)
            .Where(a => a.Node == Node && a.Handle.StartsWith(Network + ".", StringComparison.Ordinal) && !valid.Contains(a.Handle))
            .Select(a => a.Handle)
            .Distinct()
            .ToList();
        foreach (var handle in stale)
            await ipam.ReleaseByHandleAsync(handle, ct);
        if (!IpamOnly)
        {
            var store = new ResourceStore(Datastore);
            foreach (var wep in (await store.ListAsync<WorkloadEndpoint>(ct: ct)).Items)
                if (wep.Spec.Node == Node && wep.Spec.Network == Network && !valid.Contains(PodAddressing.HandleOf(Network, wep.Spec.ContainerId)))
                    await Endpoints.DeleteAsync(store, Node, EnvironmentOf(wep), ct);
        }
        log.Write($"GC {Network}: released {stale.Count} stale handle(s)");
    }

    private CniEnvironment EnvironmentOf(WorkloadEndpoint wep) => env with
    {
        ContainerId = wep.Spec.ContainerId,
        IfName = wep.Spec.Endpoint,
        Args = wep.Spec.Pod.Length == 0 ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["K8S_POD_NAME"] = wep.Spec.Pod, ["K8S_POD_NAMESPACE"] = wep.Metadata.Namespace ?? "default" },
    };

    /// <summary>Ready when the datastore answers and holds at least one enabled pool to assign from.</summary>
    private async Task StatusAsync(CancellationToken ct)
    {
        try
        {
            var pools = await new ResourceStore(Datastore).ListAsync<IPPool>(ct: ct);
            if (!pools.Items.Any(p => !p.Spec.Disabled))
                throw new CniException(CniCodes.NotAvailable, "no enabled IP pool to assign addresses from");
        }
        catch (DatastoreException e)
        {
            throw new CniException(CniCodes.NotAvailable, $"datastore unavailable: {e.Message}", null, e);
        }
    }
}
