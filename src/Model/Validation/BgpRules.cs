using System.Net;
using System.Text.RegularExpressions;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

internal static partial class BgpRules
{
    public static void Check(BGPConfiguration config, List<string> errors)
    {
        var name = config.Metadata.Name;
        if (name != BGPConfiguration.DefaultName && !name.StartsWith("node.", StringComparison.Ordinal))
            errors.Add($"metadata.name: '{name}' must be 'default' or 'node.NODENAME'");
        var spec = config.Spec;
        ResourceValidator.AsNumber(spec.AsNumber, "spec.asNumber", errors);
        if (spec.ListenPort is { } port and (< 1 or > 65535))
            errors.Add($"spec.listenPort: {port} is not a port (1-65535)");
        if (spec.LogSeverity is { } severity && severity.ToLowerInvariant() is not ("debug" or "info" or "warning" or "error" or "fatal" or "none"))
            errors.Add($"spec.logSeverityScreen: '{severity}' is not one of Debug, Info, Warning, Error, Fatal, None");
        foreach (var (community, i) in (spec.Communities ?? []).Select((c, i) => (c, i)))
            if (!CommunityPattern().IsMatch(community.Value))
                errors.Add($"spec.communities[{i}].value: '{community.Value}' is not a community (AA:NN or AA:NN:NN)");
        foreach (var (advert, i) in (spec.PrefixAdvertisements ?? []).Select((a, i) => (a, i)))
            ResourceValidator.Cidr(advert.Cidr, $"spec.prefixAdvertisements[{i}].cidr", errors);
        Cidrs(spec.ServiceClusterIps, "spec.serviceClusterIPs", errors);
        Cidrs(spec.ServiceExternalIps, "spec.serviceExternalIPs", errors);
        Cidrs(spec.ServiceLoadBalancerIps, "spec.serviceLoadBalancerIPs", errors);
        BfdRules.Check(spec.Bfd, "spec.bfd", errors);
    }

    public static void Check(BGPPeerSpec spec, List<string> errors)
    {
        if (spec.PeerIp is null && spec.PeerSelector is null)
            errors.Add("spec.peerIP: required unless spec.peerSelector is set");
        if (spec.PeerIp is not null && spec.PeerSelector is not null)
            errors.Add("spec.peerSelector: cannot be combined with spec.peerIP");
        if (spec.PeerIp is not null && !Addresses.TryParsePeerIp(spec.PeerIp, out _, out _))
            errors.Add($"spec.peerIP: '{spec.PeerIp}' is not an address, address:port or [IPv6]:port");
        if (spec.PeerIp is not null && spec.AsNumber is null)
            errors.Add("spec.asNumber: required with spec.peerIP");
        ResourceValidator.AsNumber(spec.AsNumber, "spec.asNumber", errors);
        if (spec.Node is not null && spec.NodeSelector is not null)
            errors.Add("spec.nodeSelector: cannot be combined with spec.node");
        ResourceValidator.Selector(spec.NodeSelector, "spec.nodeSelector", errors);
        ResourceValidator.Selector(spec.PeerSelector, "spec.peerSelector", errors);
        if (spec.Password is { } password && (password.SecretKeyRef is null) == (password.Value is null))
            errors.Add("spec.password: give exactly one of secretKeyRef or value");
        if (spec.MaxRestartTime is { } restart && !TryParseDuration(restart, out _))
            errors.Add($"spec.maxRestartTime: '{restart}' is not a duration (e.g. 120s, 2m)");
        if (spec.SourceAddress is { } source && source is not ("UseNodeIP" or "None"))
            errors.Add($"spec.sourceAddress: '{source}' is not one of UseNodeIP, None");
        if (spec.TtlSecurity is { } ttl and (< 1 or > 255))
            errors.Add($"spec.ttlSecurity: {ttl} is not a hop count (1-255)");
        if (spec.MaxPrefixes is { } max and < 1)
            errors.Add($"spec.maxPrefixes: {max} must be positive");
        foreach (var (filter, i) in (spec.Filters ?? []).Select((f, i) => (f, i)))
            ResourceValidator.Cidr(filter, $"spec.filters[{i}]", errors);
        BfdRules.Check(spec.Bfd, "spec.bfd", errors);
    }

    /// <summary>Go-style durations as Calico writes them: <c>120s</c>, <c>2m</c>, <c>1h30m</c>, <c>500ms</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
            return false;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            duration += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return true;
    }

    private static void Cidrs(List<CidrEntry>? entries, string field, List<string> errors)
    {
        foreach (var (entry, i) in (entries ?? []).Select((e, i) => (e, i)))
            ResourceValidator.Cidr(entry.Cidr, $"{field}[{i}].cidr", errors);
    }

    [GeneratedRegex(@"^\d+:\d+(:\d+)?$")]
    private static partial Regex CommunityPattern();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|h|m|s)")]
    private static partial Regex DurationPart();

    internal static bool IsIPv4(string text) => IPAddress.TryParse(text, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
