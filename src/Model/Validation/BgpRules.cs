using System.Net;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

internal static class BgpRules
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
        {
            if (string.IsNullOrWhiteSpace(community.Name))
                errors.Add($"spec.communities[{i}].name: required");
            if (!Community.TryParse(community.Value, out _))
                errors.Add($"spec.communities[{i}].value: '{community.Value}' is not a community (AA:NN with 16-bit numbers or AA:NN:NN with 32-bit numbers)");
        }
        foreach (var (advert, i) in (spec.PrefixAdvertisements ?? []).Select((a, i) => (a, i)))
        {
            ResourceValidator.Cidr(advert.Cidr, $"spec.prefixAdvertisements[{i}].cidr", errors);
            var names = (spec.Communities ?? []).Select(c => c.Name).ToHashSet();
            foreach (var (entry, j) in advert.Communities.Select((c, j) => (c, j)))
                if (!names.Contains(entry) && !Community.TryParse(entry, out _))
                    errors.Add($"spec.prefixAdvertisements[{i}].communities[{j}]: '{entry}' is neither a name in spec.communities nor a community (AA:NN or AA:NN:NN)");
        }
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
        if (spec.MaxRestartTime is { } restart)
        {
            if (!GoDuration.TryParse(restart, out var time))
                errors.Add($"spec.maxRestartTime: '{restart}' is not a duration (e.g. 120s, 2m)");
            else if (time.TotalSeconds > MaxRestartSeconds)
                errors.Add($"spec.maxRestartTime: '{restart}' is more than {MaxRestartSeconds}s, the most the graceful restart capability carries");
        }
        CheckTimers(spec, errors);
        if (spec.SourceAddress is { } source && source is not ("UseNodeIP" or "None"))
            errors.Add($"spec.sourceAddress: '{source}' is not one of UseNodeIP, None");
        if (spec.TtlSecurity is { } ttl and (< 1 or > 255))
            errors.Add($"spec.ttlSecurity: {ttl} is not a hop count (1-255)");
        if (spec.MaxPrefixes is { } max and < 1)
            errors.Add($"spec.maxPrefixes: {max} must be positive");
        CheckPrefixLimit(spec, errors);
        foreach (var (filter, i) in (spec.Filters ?? []).Select((f, i) => (f, i)))
            if (!ResourceValidator.IsName(filter))
                errors.Add($"spec.filters[{i}]: '{filter}' is not a BGPFilter name");
        BfdRules.Check(spec.Bfd, "spec.bfd", errors);
    }

    public static readonly string[] PrefixLimitActions = ["Restart", "Warn", "Disable"];

    private static void CheckPrefixLimit(BGPPeerSpec spec, List<string> errors)
    {
        if (spec.MaxPrefixesAction is { } action)
        {
            if (!PrefixLimitActions.Contains(action))
                errors.Add($"spec.maxPrefixesAction: '{action}' is not one of {string.Join(", ", PrefixLimitActions)}");
            if (spec.MaxPrefixes is null)
                errors.Add("spec.maxPrefixesAction: needs spec.maxPrefixes");
        }
        if (spec.MaxPrefixesRestartTime is { } restart)
        {
            if (!GoDuration.TryParse(restart, out var t) || t < TimeSpan.FromSeconds(1))
                errors.Add($"spec.maxPrefixesRestartTime: '{restart}' is not a duration of at least 1s (e.g. 30s, 5m)");
            if (spec.MaxPrefixes is null || spec.MaxPrefixesAction is not (null or "Restart"))
                errors.Add("spec.maxPrefixesRestartTime: only with spec.maxPrefixes and maxPrefixesAction Restart");
        }
    }

    /// <summary>The capability's restart time is 12 bits (RFC 4724 3).</summary>
    public const int MaxRestartSeconds = 4095;

    /// <summary>RFC 4271 4.2: a hold time is 0 or at least 3 s (16 bits of seconds); a keepalive needs a hold time above it.</summary>
    private static void CheckTimers(BGPPeerSpec spec, List<string> errors)
    {
        TimeSpan? hold = null, keepalive = null;
        if (spec.HoldTime is { } h)
        {
            if (!GoDuration.TryParse(h, out var t) || t.TotalMilliseconds % 1000 != 0)
                errors.Add($"spec.holdTime: '{h}' is not a whole number of seconds (e.g. 90s)");
            else if (t.TotalSeconds is > 0 and < 3 or > ushort.MaxValue)
                errors.Add($"spec.holdTime: '{h}' must be 0 or 3s to {ushort.MaxValue}s (RFC 4271)");
            else
                hold = t;
        }
        if (spec.KeepaliveTime is { } k)
        {
            if (!GoDuration.TryParse(k, out var t) || t.TotalMilliseconds % 1000 != 0 || t.TotalSeconds < 1)
                errors.Add($"spec.keepaliveTime: '{k}' is not a whole, positive number of seconds (e.g. 30s)");
            else
                keepalive = t;
        }
        if (hold is { } ht && keepalive is { } kt && (ht == TimeSpan.Zero || kt >= ht))
            errors.Add($"spec.keepaliveTime: {spec.KeepaliveTime} must be less than spec.holdTime {spec.HoldTime} (a hold time of 0 sends no keepalives)");
    }

    private static void Cidrs(List<CidrEntry>? entries, string field, List<string> errors)
    {
        foreach (var (entry, i) in (entries ?? []).Select((e, i) => (e, i)))
            ResourceValidator.Cidr(entry.Cidr, $"{field}[{i}].cidr", errors);
    }

    internal static bool IsIPv4(string text) => IPAddress.TryParse(text, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
