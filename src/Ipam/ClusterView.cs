using System.Net;
using System.Net.Sockets;
using L3Net.Datastore;
using L3Net.Model.Resources;
using L3Net.Model.Selectors;

namespace L3Net.Ipam;

/// <summary>What IPAM reads of the rest of the cluster: pools, reservations, the IPAM configuration, node labels (for
/// pool node selectors) and the workload endpoints that prove a handle is in use.</summary>
internal sealed class ClusterView(ResourceStore resources)
{
    public async Task<List<PoolInfo>> PoolsAsync(CancellationToken ct)
    {
        var pools = await resources.ListAsync<IPPool>(ct: ct);
        return [.. pools.Items.Select(PoolInfo.From).OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    /// <summary>Enabled workload pools of <paramref name="family"/> that may serve <paramref name="node"/> (whose labels
    /// are <paramref name="labels"/>), narrowed to <paramref name="requested"/> (names or CIDRs) when given. Throws
    /// <see cref="NoSuitablePoolException"/> saying why when none is left.</summary>
    public static List<PoolInfo> EligiblePools(string node, IReadOnlyDictionary<string, string> labels, AddressFamily family,
        IReadOnlyList<string>? requested, IReadOnlyList<PoolInfo> all)
    {
        var familyName = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
        var pools = all.Where(p => p.Family == family).ToList();
        if (requested is { Count: > 0 })
        {
            var named = requested.ToHashSet(StringComparer.Ordinal);
            pools = [.. pools.Where(p => named.Contains(p.Name) || named.Contains(p.Cidr.ToString()))];
            if (pools.Count == 0)
                throw new NoSuitablePoolException($"none of the requested pools ({string.Join(", ", requested)}) is an {familyName} pool");
        }
        else
            pools = [.. pools.Where(p => !p.Manual)];
        pools = [.. pools.Where(p => !p.Disabled && p.ForWorkloads)];
        if (pools.Count == 0)
            throw new NoSuitablePoolException($"no enabled {familyName} IP pool (Manual pools serve only requests that name them)");
        var selected = pools.Where(p => Selects(p, labels)).ToList();
        if (selected.Count == 0)
            throw new NoSuitablePoolException(
                $"the node selectors of the {familyName} pools ({string.Join(", ", pools.Select(p => $"{p.Name}: {p.NodeSelector}"))}) exclude node {node}");
        return selected;
    }

    /// <summary>One list read, usually of nothing: the cost every auto-assignment pays for reservations.</summary>
    public async Task<Reservations> ReservationsAsync(CancellationToken ct)
        => Reservations.From((await resources.ListAsync<IPReservation>(ct: ct)).Items);

    /// <summary>The cluster's IPAMConfiguration, or Calico's defaults (borrowing allowed, no block limit) without one.</summary>
    public async Task<IPAMConfigurationSpec> IpamConfigurationAsync(CancellationToken ct)
        => (await resources.GetAsync<IPAMConfiguration>(IPAMConfiguration.DefaultName, ct: ct))?.Spec ?? new IPAMConfigurationSpec();

    public async Task<IReadOnlyDictionary<string, string>> NodeLabelsAsync(string node, CancellationToken ct)
        => (await resources.GetAsync<NodeResource>(node, ct: ct))?.Metadata.Labels ?? new Dictionary<string, string>();

    public static bool Selects(PoolInfo pool, IReadOnlyDictionary<string, string> labels)
        => string.IsNullOrWhiteSpace(pool.NodeSelector) || LabelSelector.Parse(pool.NodeSelector).Matches(labels);

    /// <summary>Handles some workload endpoint uses: <c>{network}.{containerId}</c>.</summary>
    public async Task<HashSet<string>> LiveHandlesAsync(CancellationToken ct)
    {
        var endpoints = await resources.ListAsync<WorkloadEndpoint>(ct: ct);
        return [.. endpoints.Items.Select(e => $"{e.Spec.Network}.{e.Spec.ContainerId}")];
    }

    public static PoolInfo? PoolOf(IPAddress address, IEnumerable<PoolInfo> pools) => pools.FirstOrDefault(p => p.Holds(address));
}
