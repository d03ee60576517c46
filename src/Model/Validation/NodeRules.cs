using System.Net.Sockets;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

/// <summary>Rules for what a node is and what runs on it: Node and WorkloadEndpoint.</summary>
internal static class NodeRules
{
    public static void Check(NodeSpec spec, List<string> errors)
    {
        if (spec.Bgp is not { } bgp)
            return;
        Interface(bgp.Ipv4Address, "spec.bgp.ipv4Address", AddressFamily.InterNetwork, errors);
        Interface(bgp.Ipv6Address, "spec.bgp.ipv6Address", AddressFamily.InterNetworkV6, errors);
        ResourceValidator.AsNumber(bgp.AsNumber, "spec.bgp.asNumber", errors);
        if (bgp.RouteReflectorClusterId is { } id && !BgpRules.IsIPv4(id))
            errors.Add($"spec.bgp.routeReflectorClusterID: '{id}' is not an IPv4-formatted cluster ID");
    }

    public static void Check(WorkloadEndpointSpec spec, List<string> errors)
    {
        if (spec.Node.Length == 0)
            errors.Add("spec.node: required");
        if (spec.InterfaceName.Length is 0 or > 15)
            errors.Add($"spec.interfaceName: '{spec.InterfaceName}' must be 1-15 characters (a Linux interface name)");
        foreach (var (net, i) in spec.IpNetworks.Select((n, i) => (n, i)))
            ResourceValidator.Cidr(net, $"spec.ipNetworks[{i}]", errors);
        foreach (var (port, i) in (spec.Ports ?? []).Select((p, i) => (p, i)))
        {
            ResourceValidator.PortName(port.Name, $"spec.ports[{i}].name", errors);
            ResourceValidator.Protocol(port.Protocol, $"spec.ports[{i}].protocol", errors);
            if (port.Port is < 1 or > 65535)
                errors.Add($"spec.ports[{i}].port: {port.Port} is not a port (1-65535)");
        }
    }

    private static void Interface(string? value, string field, AddressFamily family, List<string> errors)
    {
        if (value is null)
            return;
        if (!Addresses.TryParseAddressWithPrefix(value, out var address, out _, out var why))
            errors.Add($"{field}: {why} (an address with prefix length, e.g. 10.0.1.2/24)");
        else if (address.AddressFamily != family)
            errors.Add($"{field}: '{value}' is not {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}");
    }
}
