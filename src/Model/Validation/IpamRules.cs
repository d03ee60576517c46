using System.Net;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

/// <summary>Rules for the IPAM settings: IPReservation and IPAMConfiguration.</summary>
internal static class IpamRules
{
    public static void Check(IPReservationSpec spec, List<string> errors)
    {
        foreach (var (entry, i) in spec.ReservedCidrs.Select((c, i) => (c, i)))
            if (!Addresses.TryParseAddressOrCidr(entry, out _, out var why))
                errors.Add($"spec.reservedCIDRs[{i}]: {why}");
    }

    public static void Check(IPAMConfiguration config, List<string> errors)
    {
        if (config.Metadata.Name != IPAMConfiguration.DefaultName)
            errors.Add($"metadata.name: '{config.Metadata.Name}' must be 'default' (IPAMConfiguration is a singleton)");
        if (config.Spec.MaxBlocksPerHost < 0)
            errors.Add($"spec.maxBlocksPerHost: {config.Spec.MaxBlocksPerHost} is negative (0 means no limit)");
    }
}
