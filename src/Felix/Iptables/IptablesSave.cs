using System.Text.RegularExpressions;

namespace L3Net.Felix.Iptables;

/// <summary>What <c>iptables-save</c> shows of our state: for each table, the l3n- chains with their rule hashes and
/// how many times each built-in chain jumps to each l3n- chain.</summary>
public sealed partial class IptablesSave
{
    public Dictionary<string, List<string>> ChainHashes { get; } = [];
    public Dictionary<(string Table, string Builtin, string Target), int> HookCounts { get; } = [];

    public static IptablesSave Parse(string text)
    {
        var save = new IptablesSave();
        var table = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith('*'))
            {
                table = line[1..];
            }
            else if (line.StartsWith(':' + Dataplane.NamePrefix, StringComparison.Ordinal))
            {
                save.ChainHashes.TryAdd($"{table}/{line[1..line.IndexOf(' ', StringComparison.Ordinal)]}", []);
            }
            else if (AppendLine().Match(line) is { Success: true } m)
            {
                var chain = m.Groups["chain"].Value;
                if (chain.StartsWith(Dataplane.NamePrefix, StringComparison.Ordinal))
                {
                    var hash = HashComment().Match(line);
                    var list = save.ChainHashes.TryGetValue($"{table}/{chain}", out var l) ? l : save.ChainHashes[$"{table}/{chain}"] = [];
                    // A rule without our comment (added by hand) gets a hash no rendering can produce, so the chain differs.
                    list.Add(hash.Success ? hash.Groups["hash"].Value : "foreign:" + line);
                }
                else if (JumpTarget().Match(line) is { Success: true } j && j.Groups["target"].Value.StartsWith(Dataplane.NamePrefix, StringComparison.Ordinal))
                {
                    var key = (table, chain, j.Groups["target"].Value);
                    save.HookCounts[key] = save.HookCounts.GetValueOrDefault(key) + 1;
                }
            }
        }
        return save;
    }

    [GeneratedRegex(@"^-A (?<chain>\S+)")]
    private static partial Regex AppendLine();

    [GeneratedRegex(@"--comment ""?l3n:(?<hash>[A-Za-z0-9_-]+)""?")]
    private static partial Regex HashComment();

    [GeneratedRegex(@"-j (?<target>\S+)\s*$")]
    private static partial Regex JumpTarget();
}
