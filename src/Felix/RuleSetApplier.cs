using L3Net.Felix.Iptables;
using L3Net.Felix.Ipsets;
using L3Net.Felix.Policy;

namespace L3Net.Felix;

/// <summary>What one rule-set apply did: each family's iptables result and the ipset restore lines sent.</summary>
public sealed record RuleSetApplyResult(IptablesApplyResult V4, IptablesApplyResult V6, int IpsetLines)
{
    public static readonly RuleSetApplyResult None = new(new(0, 0, 0), new(0, 0, 0), 0);

    public int ChainsWritten => V4.ChainsWritten + V6.ChainsWritten;
    public int HooksFixed => V4.HooksFixed + V6.HooksFixed;
}

/// <summary>
/// Writes a <see cref="RuleSet"/>: the ipsets of both families in one <c>ipset restore</c>, then one
/// <c>iptables-restore --noflush</c> and one <c>ip6tables-restore --noflush</c> transaction (each only when its family
/// changed; the two run side by side, since they touch separate tables), then the sets no rule uses any more. Each
/// family's applier reads back its own <c>*-save</c> on a resync, so drift is repaired in both. On a kernel without
/// IPv6 (<paramref name="ipv6"/> false; booted with <c>ipv6.disable=1</c>) ip6tables cannot work, and nothing of that
/// family is written, neither chains nor sets: there is no IPv6 traffic to filter.
/// </summary>
public sealed class RuleSetApplier(CommandRunner runner, bool ipv6 = true)
{
    private readonly IpsetApplier _ipsets = new(runner);
    private readonly IptablesApplier _v4 = new(runner, "iptables-restore", "iptables-save");
    private readonly IptablesApplier _v6 = new(runner, "ip6tables-restore", "ip6tables-save");

    public async Task<RuleSetApplyResult> ApplyAsync(RuleSet rules, bool resync, CancellationToken ct = default)
    {
        var lines = await _ipsets.UpdateAsync(ipv6 ? rules.Sets : [.. rules.Sets.Where(s => !s.IPv6)], resync, ct);
        var v4 = _v4.ApplyAsync(rules.V4.Chains, rules.V4.Hooks, resync, ct);
        var v6 = ipv6 ? _v6.ApplyAsync(rules.V6.Chains, rules.V6.Hooks, resync, ct) : Task.FromResult(RuleSetApplyResult.None.V6);
        await Task.WhenAll(v4, v6);
        await _ipsets.RemoveStaleAsync(ct);
        return new RuleSetApplyResult(await v4, await v6, lines);
    }
}
