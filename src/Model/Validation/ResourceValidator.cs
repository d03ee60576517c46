using System.Net.Sockets;
using System.Text.RegularExpressions;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

/// <summary>Checks one resource on its own; every error names the field and why. Rules that need other stored
/// resources (overlapping pools) are in <see cref="PoolOverlaps"/>, called by the store before it writes.</summary>
public static partial class ResourceValidator
{
    public static IReadOnlyList<string> Validate(Resource resource)
    {
        var errors = new List<string>();
        Metadata(resource, errors);
        switch (resource)
        {
            case IPPool pool: PoolRules.Check(pool.Spec, errors); break;
            case IPReservation reservation: IpamRules.Check(reservation.Spec, errors); break;
            case IPAMConfiguration config: IpamRules.Check(config, errors); break;
            case BGPConfiguration config: BgpRules.Check(config, errors); break;
            case BGPPeer peer: BgpRules.Check(peer.Spec, errors); break;
            case BGPFilter filter: BgpFilterRules.Check(filter.Spec, errors); break;
            case NodeResource node: NodeRules.Check(node.Spec, errors); break;
            case WorkloadEndpoint endpoint: NodeRules.Check(endpoint.Spec, errors); break;
            case NetworkPolicy policy: PolicyRules.Check(policy.Spec, errors); break;
        }
        return errors;
    }

    /// <summary>Throws <see cref="ResourceValidationException"/> listing every error.</summary>
    public static void EnsureValid(Resource resource)
    {
        var errors = Validate(resource);
        if (errors.Count > 0)
            throw new ResourceValidationException($"{resource.Kind} '{resource.Metadata.Name}'", errors);
    }

    /// <summary>Errors when <paramref name="pool"/> is enabled and overlaps an enabled pool of another name.</summary>
    public static IReadOnlyList<string> PoolOverlaps(IPPool pool, IEnumerable<IPPool> others)
    {
        if (pool.Spec.Disabled || !Addresses.TryParseCidr(pool.Spec.Cidr, out var mine, out _))
            return [];
        return others
            .Where(o => o.Metadata.Name != pool.Metadata.Name && !o.Spec.Disabled)
            .Where(o => Addresses.TryParseCidr(o.Spec.Cidr, out var theirs, out _) && Addresses.Overlap(mine, theirs))
            .Select(o => $"spec.cidr: '{pool.Spec.Cidr}' overlaps IPPool '{o.Metadata.Name}' ({o.Spec.Cidr})")
            .ToList();
    }

    private static void Metadata(Resource resource, List<string> errors)
    {
        var name = resource.Metadata.Name;
        if (string.IsNullOrEmpty(name))
            errors.Add("metadata.name: required");
        else if (name.Length > 253 || !NamePattern().IsMatch(name))
            errors.Add($"metadata.name: '{name}' must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
        var namespaced = ResourceKinds.Of(resource.GetType()).Namespaced;
        if (!namespaced && resource.Metadata.Namespace is not null)
            errors.Add($"metadata.namespace: {resource.Kind} is not namespaced");
        foreach (var key in resource.Metadata.Labels.Keys.Where(k => !LabelKeyPattern().IsMatch(k)))
            errors.Add($"metadata.labels: '{key}' is not a valid label key");
    }

    /// <summary>A resource name as <c>metadata.name</c> takes it: the form a reference to another resource must have.</summary>
    internal static bool IsName(string? name) => name is { Length: > 0 and <= 253 } && NamePattern().IsMatch(name);

    internal static void Cidr(string? value, string field, List<string> errors, AddressFamily? family = null)
    {
        if (!Addresses.TryParseCidr(value, out var network, out var why))
            errors.Add($"{field}: {why}");
        else if (family is { } f && network.BaseAddress.AddressFamily != f)
            errors.Add($"{field}: '{value}' is not {(f == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}");
    }

    internal static void AsNumber(string? value, string field, List<string> errors)
    {
        if (value is not null && !Asn.TryParse(value, out _, out var why))
            errors.Add($"{field}: {why}");
    }

    internal static void Selector(string? value, string field, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(value) && !Selectors.LabelSelector.TryParse(value, out _, out var why))
            errors.Add($"{field}: {why}");
    }

    /// <summary>A protocol of a port (policy or container): TCP, UDP or SCTP, as Kubernetes spells them.</summary>
    internal static void Protocol(string? value, string field, List<string> errors)
    {
        if (value is not null and not ("TCP" or "UDP" or "SCTP"))
            errors.Add($"{field}: '{value}' is not one of TCP, UDP, SCTP");
    }

    /// <summary>A port name as Kubernetes accepts it (IANA_SVC_NAME): 1-15 lower-case letters, digits and inner single
    /// hyphens, with at least one letter, so that it never reads as a number.</summary>
    internal static void PortName(string value, string field, List<string> errors)
    {
        if (value.Length is 0 or > 15 || !PortNamePattern().IsMatch(value) || value.Contains("--", StringComparison.Ordinal) || !value.Any(char.IsAsciiLetter))
            errors.Add($"{field}: '{value}' is not a port name (1-15 of a-z, 0-9 and inner single '-', at least one letter)");
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortNamePattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^([a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$")]
    private static partial Regex LabelKeyPattern();
}
