using System.Diagnostics;
using L3Net.Felix.Policy;
using L3Net.Felix.Routes;
using L3Net.Felix.Sysctls;
using L3Net.Netlink;

namespace L3Net.Felix;

/// <summary>What one dataplane apply did (for logs, metrics and tests).</summary>
public sealed record DataplaneApplyResult(RouteApplyResult Routes, RuleSetApplyResult Rules, int SysctlsRepaired, TimeSpan Elapsed);

/// <summary>
/// Felix: the calculation (<see cref="Routes"/>, <see cref="RuleCalculator"/>) joined to the appliers (netlink batches,
/// <see cref="RuleSetApplier"/>: ipset restore, iptables-restore and ip6tables-restore). Callers feed inputs, then call
/// <see cref="ApplyAsync"/>: without resync only what changed since the last apply reaches the kernel; with resync
/// everything is compared with the kernel and repaired.
/// Order matters for policy: sets exist before the rules that use them, and stale sets go after the rules stopped
/// using them. A resync also puts back the endpoints' sysctls, in <paramref name="netnsPath"/> when given (tests), else
/// in the process's own namespace (the daemon runs in the node's). <paramref name="ipv6"/> false leaves ip6tables alone
/// (a kernel without IPv6). Not thread-safe: one loop owns it.
/// </summary>
public sealed class FelixDataplane(RouteSocket socket, CommandRunner runner, string? netnsPath = null, bool ipv6 = true)
{
    private readonly RouteReconciler _routes = new(socket);
    private readonly RuleSetApplier _rules = new(runner, ipv6);
    private RuleSet? _ruleSet;
    private bool _rulesDirty;

    public RouteTable Routes { get; } = new();

    public void SetRuleInputs(RuleInputs inputs)
    {
        _ruleSet = RuleCalculator.Calculate(inputs);
        _rulesDirty = true;
    }

    public async Task<DataplaneApplyResult> ApplyAsync(bool resync, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var changes = Routes.TakeChanges();
        var routes = resync ? _routes.Resync(Routes.All()) : _routes.Apply(changes);
        var rules = RuleSetApplyResult.None;
        if (_ruleSet is { } ruleSet && (resync || _rulesDirty))
        {
            rules = await _rules.ApplyAsync(ruleSet, resync, ct);
            _rulesDirty = false;
        }
        var sysctls = resync ? EndpointSysctls.Repair(Routes.EndpointInterfaces, netnsPath).Count : 0;
        return new DataplaneApplyResult(routes, rules, sysctls, clock.Elapsed);
    }
}
