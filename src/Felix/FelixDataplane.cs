using System.Diagnostics;
using L3Net.Felix.Iptables;
using L3Net.Felix.Ipsets;
using L3Net.Felix.Policy;
using L3Net.Felix.Routes;
using L3Net.Felix.Sysctls;
using L3Net.Netlink;

namespace L3Net.Felix;

/// <summary>What one dataplane apply did (for logs, metrics and tests).</summary>
public sealed record DataplaneApplyResult(RouteApplyResult Routes, IptablesApplyResult Iptables, int IpsetLines, int SysctlsRepaired, TimeSpan Elapsed);

/// <summary>
/// Felix: the calculation (<see cref="Routes"/>, <see cref="RuleCalculator"/>) joined to the appliers (netlink batches,
/// ipset restore, iptables-restore). Callers feed inputs, then call <see cref="ApplyAsync"/>: without resync only what
/// changed since the last apply reaches the kernel; with resync everything is compared with the kernel and repaired.
/// Order matters for policy: sets exist before the rules that use them, and stale sets go after the rules stopped
/// using them. A resync also puts back the endpoints' sysctls, in <paramref name="netnsPath"/> when given (tests), else
/// in the process's own namespace (the daemon runs in the node's). Not thread-safe: one loop owns it.
/// </summary>
public sealed class FelixDataplane(RouteSocket socket, CommandRunner runner, string? netnsPath = null)
{
    private readonly RouteReconciler _routes = new(socket);
    private readonly IptablesApplier _iptables = new(runner);
    private readonly IpsetApplier _ipsets = new(runner);
    private RuleSet? _rules;
    private bool _rulesDirty;

    public RouteTable Routes { get; } = new();

    public void SetRuleInputs(RuleInputs inputs)
    {
        _rules = RuleCalculator.Calculate(inputs);
        _rulesDirty = true;
    }

    public async Task<DataplaneApplyResult> ApplyAsync(bool resync, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var changes = Routes.TakeChanges();
        var routes = resync ? _routes.Resync(Routes.All()) : _routes.ApplyChanges(changes);
        var iptables = new IptablesApplyResult(0, 0, 0);
        var lines = 0;
        if (_rules is { } rules && (resync || _rulesDirty))
        {
            lines = await _ipsets.UpdateAsync(rules.Sets, resync, ct);
            iptables = await _iptables.ApplyAsync(rules.Chains, rules.Hooks, resync, ct);
            await _ipsets.RemoveStaleAsync(ct);
            _rulesDirty = false;
        }
        var sysctls = resync ? EndpointSysctls.Repair(Routes.EndpointInterfaces, netnsPath).Count : 0;
        return new DataplaneApplyResult(routes, iptables, lines, sysctls, clock.Elapsed);
    }
}
