using System.Net.Sockets;
using L3Net.Model.Resources;

namespace L3Net.Model.Validation;

/// <summary>
/// BGPFilter rules, as Calico's validation (and its CRD's CEL rules) has them: <c>cidr</c> of the list's family and
/// <c>matchOperator</c> both set or neither, <c>prefixLength</c> only with a cidr and within the family's 0-32 or 0-128,
/// <c>source</c> RemotePeers, <c>action</c> Accept or Reject. Two refusals Calico leaves to BIRD are made here, where
/// they can name the field: <c>prefixLength</c> with Equal/NotEqual (BIRD cannot compare a net to a prefix set with
/// <c>=</c>) and a <c>min</c> above its <c>max</c> (a range nothing matches).
/// </summary>
internal static class BgpFilterRules
{
    public static readonly string[] Operators = ["Equal", "NotEqual", "In", "NotIn"];

    public static void Check(BGPFilterSpec spec, List<string> errors)
    {
        Rules(spec.ExportV4, "spec.exportV4", AddressFamily.InterNetwork, errors);
        Rules(spec.ImportV4, "spec.importV4", AddressFamily.InterNetwork, errors);
        Rules(spec.ExportV6, "spec.exportV6", AddressFamily.InterNetworkV6, errors);
        Rules(spec.ImportV6, "spec.importV6", AddressFamily.InterNetworkV6, errors);
    }

    private static void Rules(List<BGPFilterRule>? rules, string field, AddressFamily family, List<string> errors)
    {
        foreach (var (rule, i) in (rules ?? []).Select((r, i) => (r, i)))
            Rule(rule, $"{field}[{i}]", family, errors);
    }

    private static void Rule(BGPFilterRule rule, string at, AddressFamily family, List<string> errors)
    {
        if (string.IsNullOrEmpty(rule.Action))
            errors.Add($"{at}.action: required (Accept or Reject)");
        else if (rule.Action is not ("Accept" or "Reject"))
            errors.Add($"{at}.action: '{rule.Action}' is not one of Accept, Reject");
        if (rule.Cidr is not null)
            ResourceValidator.Cidr(rule.Cidr, $"{at}.cidr", errors, family);
        if (rule.MatchOperator is { } op && !Operators.Contains(op))
            errors.Add($"{at}.matchOperator: '{op}' is not one of {string.Join(", ", Operators)}");
        if (rule.Cidr is null && rule.MatchOperator is not null)
            errors.Add($"{at}.cidr: required with matchOperator");
        if (rule.Cidr is not null && rule.MatchOperator is null)
            errors.Add($"{at}.matchOperator: required with cidr (one of {string.Join(", ", Operators)})");
        if (rule.Source is { } source && source != "RemotePeers")
            errors.Add($"{at}.source: '{source}' is not RemotePeers");
        if (rule.PrefixLength is { } length)
            PrefixLength(length, rule, at, family, errors);
    }

    private static void PrefixLength(BGPFilterPrefixLength length, BGPFilterRule rule, string at, AddressFamily family, List<string> errors)
    {
        var longest = family == AddressFamily.InterNetwork ? 32 : 128;
        if (rule.Cidr is null)
            errors.Add($"{at}.prefixLength: needs a cidr to constrain");
        else if (rule.MatchOperator is "Equal" or "NotEqual")
            errors.Add($"{at}.prefixLength: only with matchOperator In or NotIn (Equal matches the cidr's own length)");
        if (length.Min is { } min && (min < 0 || min > longest))
            errors.Add($"{at}.prefixLength.min: {min} is out of range (0-{longest})");
        if (length.Max is { } max && (max < 0 || max > longest))
            errors.Add($"{at}.prefixLength.max: {max} is out of range (0-{longest})");
        if (length is { Min: { } lo, Max: { } hi } && lo > hi)
            errors.Add($"{at}.prefixLength: min {lo} is above max {hi}");
    }
}
