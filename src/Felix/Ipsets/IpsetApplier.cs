using System.Text;

namespace L3Net.Felix.Ipsets;

/// <summary>
/// Keeps L3Net's ipsets as desired through <c>ipset restore</c>, one call per change set. A set that is new or was
/// found different on a resync is filled under a temporary name and swapped in, so a rule matching it never sees it
/// half full; a set that exists only gains and loses the members that changed (a pod joining a selector is one
/// <c>add</c> line). Sets are removed in a second step (<see cref="RemoveStaleAsync"/>) because a set cannot be
/// destroyed while an iptables rule still refers to it: the caller rewrites the rules in between.
/// </summary>
public sealed class IpsetApplier(CommandRunner runner, string ipsetCommand = "ipset")
{
    private Dictionary<string, IpSet> _applied = [];
    private HashSet<string> _stale = [];

    /// <summary>Creates and updates sets; returns how many restore lines it sent (0 when nothing changed).</summary>
    public async Task<int> UpdateAsync(IReadOnlyCollection<IpSet> desired, bool resync, CancellationToken ct = default)
    {
        var have = resync ? Parse(await runner.RunAsync(ipsetCommand, ["save"], ct: ct)) : _applied.ToDictionary(kv => kv.Key, kv => kv.Value.Members);
        var want = desired.ToDictionary(s => s.Name);
        var lines = new List<string>();
        foreach (var set in desired)
        {
            if (!have.TryGetValue(set.Name, out var members))
            {
                lines.AddRange(Fill(set, set.Name));
            }
            else if (resync && !members.SetEquals(set.Members))
            {
                var temp = "l3n-tmp-" + Iptables.Chain.ShortHash(set.Name);
                lines.AddRange(Fill(set, temp));
                lines.Add($"swap {temp} {set.Name}");
                lines.Add($"destroy {temp}");
            }
            else if (!resync && _applied.TryGetValue(set.Name, out var applied) && (ReferenceEquals(applied, set) || set.ChangesSince(applied) is not null))
            {
                // The calculation's own successor of what we applied: its changes are known, nothing to compare.
                if (set.ChangesSince(applied) is var (added, removed))
                    lines.AddRange(Changes(set.Name, added, removed));
            }
            else
            {
                lines.AddRange(Changes(set.Name, set.Members.Except(members), members.Except(set.Members)));
            }
        }
        _stale = [.. have.Keys.Where(k => !want.ContainsKey(k)).Concat(_stale.Where(k => !want.ContainsKey(k)))];
        if (lines.Count > 0)
            await runner.RunAsync(ipsetCommand, ["-exist", "restore"], string.Join('\n', lines) + "\n", ct);
        _applied = want;
        return lines.Count;
    }

    /// <summary>Destroys the sets the last update no longer wanted (call after the rules stopped using them).</summary>
    public async Task<int> RemoveStaleAsync(CancellationToken ct = default)
    {
        if (_stale.Count == 0)
            return 0;
        var script = string.Concat(_stale.Select(s => $"destroy {s}\n"));
        await runner.RunAsync(ipsetCommand, ["-exist", "restore"], script, ct);
        var n = _stale.Count;
        _stale = [];
        return n;
    }

    /// <summary>"del" of a CIDR takes no nomatch flag; re-adding a member whose flag changed deletes it first.</summary>
    private static IEnumerable<string> Changes(string name, IEnumerable<string> added, IEnumerable<string> removed)
        => removed.Select(m => $"del {name} {m.Replace(" nomatch", "", StringComparison.Ordinal)}").Concat(added.Select(m => $"add {name} {m}")).ToList();

    private static IEnumerable<string> Fill(IpSet set, string name)
    {
        yield return set.CreateLine(name);
        yield return $"flush {name}";
        foreach (var m in set.Members)
            yield return $"add {name} {m}";
    }

    /// <summary>The l3n- sets and their members from <c>ipset save</c>.</summary>
    internal static Dictionary<string, IReadOnlySet<string>> Parse(string save)
    {
        var sets = new Dictionary<string, HashSet<string>>();
        foreach (var line in save.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length < 2 || !parts[1].StartsWith(Dataplane.NamePrefix, StringComparison.Ordinal))
                continue;
            if (parts[0] == "create")
                sets.TryAdd(parts[1], []);
            else if (parts[0] == "add" && parts.Length == 3)
                (sets.TryGetValue(parts[1], out var s) ? s : sets[parts[1]] = []).Add(IpSet.Canonical(parts[2]));
        }
        return sets.ToDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)kv.Value);
    }
}
