using System.Text.Json.Serialization.Metadata;
using L3Net.Model.Serialization;

namespace L3Net.Model.Resources;

/// <summary>What the CLI, the codec and the store need to know about one kind of resource.</summary>
public sealed record KindInfo(string Kind, string Plural, IReadOnlyList<string> ShortNames, Type ClrType,
    bool Namespaced, Func<Resource> Create)
{
    /// <summary>Built on first use: a CNI invocation touches two kinds, and each type's metadata costs start-up time.</summary>
    public JsonTypeInfo JsonTypeInfo => ModelJsonContext.Default.GetTypeInfo(ClrType)
                                        ?? throw new InvalidOperationException($"{Kind} has no JSON contract");

    /// <summary>The datastore prefix of this kind, e.g. <c>/l3net/ippools/</c>.</summary>
    public string KeyPrefix => $"/l3net/{Plural.ToLowerInvariant()}/";

    /// <summary><c>/l3net/ippools/NAME</c> or <c>/l3net/workloadendpoints/NAMESPACE/NAME</c>.</summary>
    public string Key(string name, string? @namespace)
        => Namespaced ? $"{KeyPrefix}{@namespace ?? "default"}/{name}" : KeyPrefix + name;
}

public static class ResourceKinds
{
    public static IReadOnlyList<KindInfo> All { get; } =
    [
        new("IPPool", "IPPools", ["ippool", "ipp", "pool"], typeof(IPPool), false, () => new IPPool()),
        new("IPReservation", "IPReservations", ["ipreservation", "ipres"], typeof(IPReservation), false,
            () => new IPReservation()),
        new("IPAMConfiguration", "IPAMConfigurations", ["ipamconfiguration", "ipamconfig", "ipamconfigs"],
            typeof(IPAMConfiguration), false, () => new IPAMConfiguration()),
        new("BGPConfiguration", "BGPConfigurations", ["bgpconfiguration", "bgpconfig", "bgpconfigs"],
            typeof(BGPConfiguration), false, () => new BGPConfiguration()),
        new("BGPPeer", "BGPPeers", ["bgppeer", "bgpp", "peer"], typeof(BGPPeer), false, () => new BGPPeer()),
        new("BGPFilter", "BGPFilters", ["bgpfilter", "bgpf"], typeof(BGPFilter), false, () => new BGPFilter()),
        new("Node", "Nodes", ["node", "no"], typeof(NodeResource), false, () => new NodeResource()),
        new("WorkloadEndpoint", "WorkloadEndpoints", ["workloadendpoint", "wep", "weps"], typeof(WorkloadEndpoint), true,
            () => new WorkloadEndpoint()),
        new("NetworkPolicy", "NetworkPolicies", ["networkpolicy", "netpol", "np"], typeof(NetworkPolicy), true,
            () => new NetworkPolicy()),
    ];

    /// <summary>Finds a kind by its name, plural or short name, case-insensitively; null when unknown.</summary>
    public static KindInfo? TryResolve(string name)
        => All.FirstOrDefault(k => k.Kind.Equals(name, StringComparison.OrdinalIgnoreCase)
                                   || k.Plural.Equals(name, StringComparison.OrdinalIgnoreCase)
                                   || k.ShortNames.Contains(name, StringComparer.OrdinalIgnoreCase));

    public static KindInfo Resolve(string name)
        => TryResolve(name) ?? throw new ArgumentException(
            $"unknown resource kind '{name}' (known: {string.Join(", ", All.Select(k => k.Kind))})", nameof(name));

    public static KindInfo Of<T>() where T : Resource => Of(typeof(T));

    public static KindInfo Of(Type type)
        => All.FirstOrDefault(k => k.ClrType == type)
           ?? throw new ArgumentException($"{type.Name} is not a stored resource kind", nameof(type));
}
