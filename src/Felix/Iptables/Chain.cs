using System.Security.Cryptography;
using System.Text;

namespace L3Net.Felix.Iptables;

/// <summary>
/// An iptables chain L3Net owns (name starts with <c>l3n-</c>) and its rules in iptables-restore syntax without the
/// leading <c>-A NAME</c>. Each rule is written with a comment <c>l3n:HASH</c>, where the hash covers the chain name,
/// the rule and the hash of the rule before it: reading the hashes back from <c>iptables-save</c> tells whether the
/// chain in the kernel is exactly this one, without parsing iptables' normalised rule text.
/// </summary>
public sealed record Chain(string Table, string Name, IReadOnlyList<string> Rules)
{
    public const int MaxNameLength = 28;

    public IReadOnlyList<string> RuleHashes { get; } = Hashes(Name, Rules);

    public string Key => $"{Table}/{Name}";

    /// <summary>The <c>-A</c> lines for iptables-restore.</summary>
    public IEnumerable<string> AppendLines()
        => Rules.Select((rule, i) => $"-A {Name} -m comment --comment \"l3n:{RuleHashes[i]}\" {rule}");

    private static string[] Hashes(string name, IReadOnlyList<string> rules)
    {
        if (!name.StartsWith(Dataplane.NamePrefix, StringComparison.Ordinal) || name.Length > MaxNameLength)
            throw new ArgumentException($"chain '{name}' must start with '{Dataplane.NamePrefix}' and be at most {MaxNameLength} characters");
        var hashes = new string[rules.Count];
        var previous = name;
        for (var i = 0; i < rules.Count; i++)
        {
            previous = hashes[i] = ShortHash(previous + "\n" + rules[i]);
        }
        return hashes;
    }

    /// <summary>16 URL-safe characters of SHA-256: short enough for comments and ipset names, long enough never to collide.</summary>
    public static string ShortHash(string text)
        => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].Replace('+', '-').Replace('/', '_');
}

/// <summary>The single jump from a built-in chain into one of ours, inserted first so our chain sees every packet.</summary>
public sealed record Hook(string Table, string BuiltinChain, string Target)
{
    public string Rule => $"-j {Target}";
}
