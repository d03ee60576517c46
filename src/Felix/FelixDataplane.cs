using System.Diagnostics;
using L3Net.Felix.Policy;
using L3Net.Felix.Routes;
using L3Net.Felix.Sysctls;
using L3Net.Netlink;

namespace L3Net.Felix;

/// <summary>What one dataplane apply did (for logs, metrics and tests).</summary>
public sealed record DataplaneApplyResult(RouteApplyResult Routes, RuleSetApplyResult Rules, int SysctlsRepaired, TimeSpan Elapsed);

/// <summary>
/// Felix: the calculation (<see cref="Routes"/>, <see cref="IncrementalRules"/>) joined to the appliers (netlink batches,
/// <see cref="RuleSetApplier"/>: ipset restore, iptables-restore and ip6tables-restore). Callers feed inputs, then call
/// <see cref="ApplyAsync"/>: without resync only what changed since the last apply reaches the kernel; with resync
/// everything is compared with the kernel and repaired.
/// What did not reach the kernel (a route it refused, an endpoint route whose interface is not there yet, a rule set
/// whose restore failed) stays pending: every apply retries it, and <see cref="RetryAt"/> says when the caller should
/// apply again for that alone (<see cref="RetryBackoff"/>), so a refusal waits a fraction of a second, not for the
/// next resync. <see cref="OutOfSync"/> tells when what the kernel refused has stayed unapplied too long.
/// Order matters for policy: sets exist before the rules that use them, and stale sets go after the rules stopped
/// using them. A resync also puts back the endpoints' sysctls, in <paramref name="netnsPath"/> when given (tests), else
/// in the process's own namespace (the daemon runs in the node's). <paramref name="ipv6"/> false leaves ip6tables alone
/// (a kernel without IPv6). Not thread-safe: one loop owns it.
/// </summary>
public sealed class FelixDataplane(RouteSocket socket, CommandRunner runner, string? netnsPath = null, bool ipv6 = true,
    RetryBackoff? backoff = null)
{
    /// <summary>How long a refused change may stay unapplied before the node reports not ready: a transient refusal
    /// (an interface racing its route) is retried within it several times over.</summary>
    public static readonly TimeSpan ReadinessBound = TimeSpan.FromSeconds(5);

    private readonly RouteReconciler _routes = new(socket);
    private readonly RuleSetApplier _applier = new(runner, ipv6);
    private readonly RetryBackoff _backoff = backoff ?? RetryBackoff.Default();
    private IncrementalRules? _rules;
    private RuleSet? _appliedRules;
    private bool _rulesDirty;
    private DateTime? _refusedSince;
    private string _lastRefusal = "";

    public RouteTable Routes { get; } = new();

    /// <summary>When to apply again to retry what is pending; null when nothing is.</summary>
    public DateTime? RetryAt { get; private set; }

    /// <summary>The policy calculation of <paramref name="node"/>, fed change by change; the next apply writes what
    /// it calculates.</summary>
    public IncrementalRules RulesOf(string node)
        => _rules is { } rules && rules.Node == node ? rules : _rules = new IncrementalRules(node);

    /// <summary>Every rule input at once.</summary>
    public void SetRuleInputs(RuleInputs inputs) => RulesOf(inputs.Node).Reset(
        inputs.Endpoints.ToDictionary(e => $"{e.Metadata.Namespace}/{e.Metadata.Name}", StringComparer.Ordinal),
        inputs.Policies.ToDictionary(p => $"{p.Metadata.Namespace}/{p.Metadata.Name}", StringComparer.Ordinal), inputs.Pools, inputs.NamespaceLabels);

    /// <summary>Why the kernel is behind, when a change it refused has stayed unapplied for <paramref name="bound"/>
    /// or longer (every apply since refused something); null otherwise.</summary>
    public string? OutOfSync(TimeSpan bound)
        => _refusedSince is { } since && DateTime.UtcNow - since >= bound
            ? $"changes refused by the kernel for {(DateTime.UtcNow - since).TotalSeconds:0.#} s: {_lastRefusal}"
            : null;

    public async Task<DataplaneApplyResult> ApplyAsync(bool resync, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        string? refusal = null;
        try
        {
            var routes = ApplyRoutes(resync);
            refusal = routes.Failed > 0 ? string.Join("; ", routes.Errors) : null;
            var rules = RuleSetApplyResult.None;
            if (_rules?.Current is { } ruleSet && (resync || _rulesDirty || !ReferenceEquals(ruleSet, _appliedRules)))
            {
                try
                {
                    rules = await _applier.ApplyAsync(ruleSet, resync, ct);
                    _appliedRules = ruleSet;
                    _rulesDirty = false;
                }
                catch (DataplaneCommandException)
                {
                    _rulesDirty = true; // a failed resync of unchanged rules is retried as much as a change
                    throw;
                }
            }
            var sysctls = resync ? EndpointSysctls.Repair(Routes.EndpointInterfaces, netnsPath).Count : 0;
            return new DataplaneApplyResult(routes, rules, sysctls, clock.Elapsed);
        }
        catch (Exception e) when (e is NetlinkException or DataplaneCommandException)
        {
            refusal = e.Message;
            throw;
        }
        finally
        {
            ScheduleRetry(refusal);
        }
    }

    /// <summary>Sends the changes (or, on a resync, the difference from the kernel) and hands back to the table what
    /// did not land. A netlink failure of the socket itself leaves the whole change set pending.</summary>
    private RouteApplyResult ApplyRoutes(bool resync)
    {
        var changes = Routes.TakeChanges();
        try
        {
            var result = resync ? _routes.Resync(Routes.All()) : _routes.Apply(changes);
            foreach (var u in result.Unapplied)
                Routes.Retry(u.Route, u.Delete);
            return result;
        }
        catch (NetlinkException)
        {
            foreach (var u in changes.Upserts)
                Routes.Retry(u, delete: false);
            foreach (var d in changes.Deletes)
                Routes.Retry(d, delete: true);
            throw;
        }
    }

    /// <summary>Every apply retries all that is pending, so one that was refused nothing means every earlier refusal
    /// has landed (or is no longer wanted).</summary>
    private void ScheduleRetry(string? refusal)
    {
        var now = DateTime.UtcNow;
        _refusedSince = refusal is null ? null : _refusedSince ?? now;
        if (refusal is not null)
            _lastRefusal = refusal;
        if (Routes.PendingCount > 0 || _rulesDirty)
        {
            RetryAt = now + _backoff.Next();
        }
        else
        {
            RetryAt = null;
            _backoff.Reset();
        }
    }
}
