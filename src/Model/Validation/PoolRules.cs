using System.Net.Sockets;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

internal static class PoolRules
{
    /// <summary>Block sizes Calico allows: IPv4 /20-/32, IPv6 /116-/128.</summary>
    public static (int Min, int Max) BlockSizeRange(AddressFamily family)
        => family == AddressFamily.InterNetwork ? (20, 32) : (116, 128);

    public static void Check(IPPoolSpec spec, List<string> errors)
    {
        if (!Addresses.TryParseCidr(spec.Cidr, out var cidr, out var why))
            errors.Add($"spec.cidr: {why}");
        else if (spec.BlockSize is { } size)
        {
            var (min, max) = BlockSizeRange(cidr.BaseAddress.AddressFamily);
            if (size < min || size > max)
                errors.Add($"spec.blockSize: {size} is out of range {min}-{max} for {cidr}");
            else if (size < cidr.PrefixLength)
                errors.Add($"spec.blockSize: /{size} blocks do not fit in the pool {cidr}");
        }
        ResourceValidator.Selector(spec.NodeSelector, "spec.nodeSelector", errors);
        foreach (var use in spec.AllowedUses.Where(u => u is not ("Workload" or "Tunnel")))
            errors.Add(use == "LoadBalancer"
                ? "spec.allowedUses: 'LoadBalancer' is not supported: L3Net does not assign load-balancer addresses"
                : $"spec.allowedUses: '{use}' is not one of Workload, Tunnel");
        if (spec.AssignmentMode is not (null or "Automatic" or "Manual"))
            errors.Add($"spec.assignmentMode: '{spec.AssignmentMode}' is not one of Automatic, Manual");
        NoOverlay(spec.IpIpMode, "spec.ipipMode", errors);
        NoOverlay(spec.VxlanMode, "spec.vxlanMode", errors);
    }

    private static void NoOverlay(string? mode, string field, List<string> errors)
    {
        if (mode is null or "Never")
            return;
        errors.Add(mode is "Always" or "CrossSubnet"
            ? $"{field}: '{mode}' is not supported: L3Net has no overlay and routes pod addresses natively over BGP; use Never"
            : $"{field}: '{mode}' is not one of Never, Always, CrossSubnet (and L3Net supports only Never)");
    }
}
