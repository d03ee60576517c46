using System.Net;
using System.Text.Json;
using L3Net.Datastore.Kubernetes;
using L3Net.Ipam;

namespace L3Net.Cni;

/// <summary>Turns the config's ipam section (and runtimeConfig static ips) into IPAM calls for one attachment. With the
/// Kubernetes datastore the pod's annotations win, as in Calico: <c>l3net.io/ipAddrs</c> for static addresses,
/// <c>l3net.io/ipv4pools</c> / <c>ipv6pools</c> (the pod's, else its namespace's) for the pools.
/// A repeated ADD of the same attachment (a runtime retrying) gets the addresses the first one assigned, as Calico's
/// IPAM plugin answers from the handle, instead of a second set.</summary>
public sealed class PodAddressing(IpamService ipam, NetConf conf, CniEnvironment env, string node)
{
    /// <summary>The IPAM handle: "{network}.{containerId}" (CONTRACTS.md), what GC and the leak check match on.</summary>
    public string Handle { get; } = HandleOf(conf.Name!, env.ContainerId);

    public static string HandleOf(string network, string containerId) => $"{network}.{containerId}";

    /// <summary>The allocation attribute naming the interface the addresses are for (CNI_IFNAME).</summary>
    public const string InterfaceAttribute = "interface";

    /// <summary>What the handle holds already: an earlier ADD's addresses when the runtime retries. A read of its own,
    /// so that the caller can send it together with the pod's.</summary>
    public Task<IReadOnlyList<AllocationInfo>> HeldAsync(CancellationToken ct) => ipam.AddressesOfHandleAsync(Handle, ct);

    /// <summary>The attachment's addresses: those the handle already holds for this interface (<paramref name="held"/>,
    /// reused), else newly assigned as <paramref name="pod"/> (its annotations) and the configuration say, all or nothing.
    /// Refused when the handle holds addresses for another interface of the container.</summary>
    public async Task<PodAssignment> AssignAsync(IReadOnlyList<AllocationInfo> held, PodInfo? pod, CancellationToken ct)
    {
        if (held.Count > 0)
            return new PodAssignment(Reuse(held), Reused: true);
        return new PodAssignment(await AssignNewAsync(pod, ct), Reused: false);
    }

    private List<IPAddress> Reuse(IReadOnlyList<AllocationInfo> held)
    {
        // Addresses assigned before the interface was recorded count as this interface's: one per container was the rule.
        var other = held.FirstOrDefault(a => a.Attributes.TryGetValue(InterfaceAttribute, out var i) && i != env.IfName);
        if (other is not null)
            throw new CniException(CniCodes.IpamFailure,
                $"container {env.ContainerId} already holds {other.Address} for interface {other.Attributes[InterfaceAttribute]} in network {conf.Name}; "
                + $"a second interface ({env.IfName}) in the same network is not supported");
        return [.. held.Select(a => a.Address)];
    }

    private async Task<IReadOnlyList<IPAddress>> AssignNewAsync(PodInfo? pod, CancellationToken ct)
    {
        var attributes = new Dictionary<string, string> { ["node"] = node, [InterfaceAttribute] = env.IfName };
        if (env.PodNamespace is { } ns) attributes["namespace"] = ns;
        if (env.PodName is { } podName) attributes["pod"] = podName;
        var statics = pod?.IpAddrs?.Select(a => a.ToString()).ToList() ?? conf.RuntimeConfig?.Ips;
        if (statics is { Count: > 0 })
            return await AssignStaticAsync(statics, attributes, ct);
        var ipamConf = conf.Ipam ?? new IpamConf();
        var pools = (pod?.Ipv4Pools ?? ipamConf.Ipv4Pools ?? []).Concat(pod?.Ipv6Pools ?? ipamConf.Ipv6Pools ?? []).ToList();
        var assigned = await ipam.AutoAssignAsync(new AutoAssignRequest
        {
            Handle = Handle,
            Node = node,
            Num4 = Flag(ipamConf.AssignIpv4, "assign_ipv4", true) ? 1 : 0,
            Num6 = Flag(ipamConf.AssignIpv6, "assign_ipv6", false) ? 1 : 0,
            Pools = pools.Count == 0 ? null : pools,
            Attributes = attributes,
        }, ct);
        return assigned.Select(a => a.Address).ToList();
    }

    private async Task<IReadOnlyList<IPAddress>> AssignStaticAsync(List<string> ips, Dictionary<string, string> attributes, CancellationToken ct)
    {
        var result = new List<IPAddress>();
        try
        {
            foreach (var text in ips)
            {
                var slash = text.IndexOf('/');
                if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var ip))
                    throw new CniException(CniCodes.InvalidConfig, $"static address '{text}' is not an IP address");
                result.Add((await ipam.AssignSpecificAsync(ip, Handle, node, attributes, ct)).Address);
            }
            return result;
        }
        catch
        {
            await ipam.ReleaseAsync(Handle, result, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Frees the pod's addresses, then gives back the node's blocks that became empty, so the node stops
    /// advertising them (the pod was the block's last user). Both steps are CAS-guarded against a concurrent ADD.</summary>
    public async Task<int> ReleaseAsync(CancellationToken ct)
    {
        var released = await ipam.ReleaseByHandleAsync(Handle, ct);
        if (released > 0)
            await ipam.ReleaseEmptyBlocksAsync(node, ct);
        return released;
    }

    /// <summary>Undoes <paramref name="assignment"/> after a failed ADD: frees what this ADD assigned, nothing an
    /// earlier ADD of the handle did (reused addresses stay with the pod that has them).</summary>
    public async Task RollBackAsync(PodAssignment assignment, CancellationToken ct)
    {
        if (assignment.Reused)
            return;
        await ipam.ReleaseAsync(Handle, assignment.Addresses, ct);
        await ipam.ReleaseEmptyBlocksAsync(node, ct);
    }

    /// <summary>Calico writes these flags as strings ("true"); a JSON boolean is accepted too.</summary>
    private static bool Flag(JsonElement value, string name, bool fallback) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => fallback,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
        _ => throw new CniException(CniCodes.InvalidConfig, $"ipam.{name}: '{value}' is not true or false"),
    };
}

/// <summary>An attachment's addresses; <see cref="Reused"/> when an earlier ADD of the same attachment assigned them.</summary>
public sealed record PodAssignment(IReadOnlyList<IPAddress> Addresses, bool Reused);
