using L3Net.Felix.Iptables;
using Xunit;

namespace L3Net.Tests.Unit.Felix;

public sealed class IptablesScriptTests
{
    [Fact]
    public void Rule_hashes_depend_on_chain_position_and_content()
    {
        var a = new Chain("filter", "l3n-a", ["-j ACCEPT", "-j DROP"]);
        var b = new Chain("filter", "l3n-a", ["-j DROP", "-j ACCEPT"]);
        var c = new Chain("filter", "l3n-b", ["-j ACCEPT", "-j DROP"]);
        Assert.NotEqual(a.RuleHashes[0], b.RuleHashes[1]);
        Assert.NotEqual(a.RuleHashes[0], c.RuleHashes[0]);
        Assert.Equal(a.RuleHashes, new Chain("filter", "l3n-a", ["-j ACCEPT", "-j DROP"]).RuleHashes);
    }

    [Fact]
    public void Chains_outside_our_prefix_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new Chain("filter", "FORWARD", ["-j ACCEPT"]));
        Assert.Throws<ArgumentException>(() => new Chain("filter", "l3n-" + new string('x', 30), []));
    }

    [Fact]
    public void The_script_declares_fills_hooks_and_deletes_in_one_transaction_per_table()
    {
        var fwd = new Chain("filter", "l3n-FORWARD", ["-i cali+ -j ACCEPT"]);
        var script = IptablesApplier.Script(["filter", "nat"], [fwd], ["filter/l3n-old"],
            [("filter", "-I FORWARD 1 -j l3n-FORWARD"), ("filter", "-D FORWARD -j l3n-old")]);

        var lines = script.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("*filter", lines[0]);
        Assert.Equal(":l3n-FORWARD - [0:0]", lines[1]);
        Assert.Equal(":l3n-old - [0:0]", lines[2]);
        Assert.StartsWith("-A l3n-FORWARD -m comment --comment \"l3n:", lines[3]);
        Assert.EndsWith("-i cali+ -j ACCEPT", lines[3]);
        Assert.Equal("-I FORWARD 1 -j l3n-FORWARD", lines[4]);
        Assert.Equal("-D FORWARD -j l3n-old", lines[5]);
        Assert.Equal("-X l3n-old", lines[6]);
        Assert.Equal("COMMIT", lines[7]);
        Assert.DoesNotContain("*nat", script); // nothing to do there, so no empty transaction
    }

    [Fact]
    public void Save_output_yields_our_chain_hashes_hooks_and_marks_foreign_rules()
    {
        var chain = new Chain("filter", "l3n-FORWARD", ["-i cali+ -j ACCEPT"]);
        var save = $"""
            *filter
            :FORWARD ACCEPT [0:0]
            :l3n-FORWARD - [0:0]
            -A FORWARD -j l3n-FORWARD
            -A FORWARD -j l3n-FORWARD
            -A FORWARD -s 1.2.3.4/32 -j DROP
            -A l3n-FORWARD -i cali+ -m comment --comment "l3n:{chain.RuleHashes[0]}" -j ACCEPT
            -A l3n-FORWARD -j DROP
            COMMIT
            """;
        var parsed = IptablesSave.Parse(save);
        var hashes = parsed.ChainHashes["filter/l3n-FORWARD"];
        Assert.Equal(chain.RuleHashes[0], hashes[0]);
        Assert.StartsWith("foreign:", hashes[1]);
        Assert.Equal(2, parsed.HookCounts[("filter", "FORWARD", "l3n-FORWARD")]);
        Assert.Single(parsed.HookCounts);
    }
}
