using System.Text;

namespace L3Net.Felix.Iptables;

/// <summary>What one apply did, for metrics, logs and tests.</summary>
public sealed record IptablesApplyResult(int ChainsWritten, int ChainsDeleted, int HooksFixed)
{
    public bool Changed => ChainsWritten + ChainsDeleted + HooksFixed > 0;
}

/// <summary>
/// Writes L3Net's chains with one <c>iptables-restore --noflush</c> transaction per change set. Only chains whose
/// content changed are rewritten (declaring a chain in a --noflush transaction flushes just that chain), chains no
/// longer wanted are flushed and deleted, and each built-in chain gets exactly one jump into ours. Nothing outside the
/// l3n- chains and those jumps is ever written. Incremental applies compare with what this applier last wrote; a
/// resync compares with <c>iptables-save</c>, which is how hand-made changes are found and put back.
/// </summary>
public sealed class IptablesApplier(CommandRunner runner, string restoreCommand = "iptables-restore", string saveCommand = "iptables-save")
{
    private Dictionary<string, Chain> _applied = [];
    private HashSet<Hook> _appliedHooks = [];

    public async Task<IptablesApplyResult> ApplyAsync(IReadOnlyCollection<Chain> desired, IReadOnlyCollection<Hook> hooks, bool resync,
        CancellationToken ct = default)
    {
        var want = desired.ToDictionary(c => c.Key);
        var tables = want.Values.Select(c => c.Table).Concat(hooks.Select(h => h.Table))
            .Concat(_applied.Values.Select(c => c.Table)).Concat(_appliedHooks.Select(h => h.Table)).Distinct().Order().ToList();

        // What the kernel holds, as far as we are concerned: read back on a resync, remembered otherwise.
        Dictionary<string, IReadOnlyList<string>> haveChains;
        Dictionary<(string, string, string), int> haveHooks;
        if (resync)
        {
            var save = new StringBuilder();
            foreach (var t in tables)
                save.Append(await runner.RunAsync(saveCommand, ["-t", t], ct: ct));
            var parsed = IptablesSave.Parse(save.ToString());
            haveChains = parsed.ChainHashes.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value);
            haveHooks = parsed.HookCounts;
        }
        else
        {
            haveChains = _applied.ToDictionary(kv => kv.Key, kv => kv.Value.RuleHashes);
            haveHooks = _appliedHooks.ToDictionary(h => (h.Table, h.BuiltinChain, h.Target), _ => 1);
        }

        var write = want.Values.Where(c => !haveChains.TryGetValue(c.Key, out var h) || !h.SequenceEqual(c.RuleHashes)).ToList();
        var delete = haveChains.Keys.Where(k => !want.ContainsKey(k)).ToList();
        var hookSet = hooks.Select(h => (h.Table, h.BuiltinChain, h.Target)).ToHashSet();
        var hookFixes = new List<(string Table, string Line)>();
        foreach (var h in hooks)
        {
            var count = haveHooks.GetValueOrDefault((h.Table, h.BuiltinChain, h.Target));
            if (count == 0)
                hookFixes.Add((h.Table, $"-I {h.BuiltinChain} 1 {h.Rule}"));
            for (var i = 1; i < count; i++)
                hookFixes.Add((h.Table, $"-D {h.BuiltinChain} {h.Rule}"));
        }
        foreach (var ((table, builtin, target), count) in haveHooks.Where(kv => !hookSet.Contains(kv.Key)))
        {
            for (var i = 0; i < count; i++)
                hookFixes.Add((table, $"-D {builtin} -j {target}"));
        }

        if (write.Count + delete.Count + hookFixes.Count > 0)
            await runner.RunAsync(restoreCommand, ["--noflush", "--wait"], Script(tables, write, delete, hookFixes), ct);

        _applied = want;
        _appliedHooks = [.. hooks];
        return new IptablesApplyResult(write.Count, delete.Count, hookFixes.Count);
    }

    /// <summary>One transaction: declare (and so flush) every chain written or deleted, fill the written ones, fix the
    /// jumps from built-in chains (removing a jump before its target goes), then delete the unwanted chains.</summary>
    internal static string Script(IEnumerable<string> tables, IReadOnlyList<Chain> write, IReadOnlyList<string> deleteKeys,
        IReadOnlyList<(string Table, string Line)> hookFixes)
    {
        var sb = new StringBuilder();
        foreach (var table in tables)
        {
            var w = write.Where(c => c.Table == table).ToList();
            var d = deleteKeys.Where(k => k.StartsWith(table + "/", StringComparison.Ordinal)).Select(k => k[(table.Length + 1)..]).ToList();
            var h = hookFixes.Where(f => f.Table == table).Select(f => f.Line).ToList();
            if (w.Count + d.Count + h.Count == 0)
                continue;
            sb.Append('*').Append(table).Append('\n');
            foreach (var name in w.Select(c => c.Name).Concat(d))
                sb.Append(':').Append(name).Append(" - [0:0]\n");
            foreach (var line in w.SelectMany(c => c.AppendLines()).Concat(h))
                sb.Append(line).Append('\n');
            foreach (var name in d)
                sb.Append("-X ").Append(name).Append('\n');
            sb.Append("COMMIT\n");
        }
        return sb.ToString();
    }
}
