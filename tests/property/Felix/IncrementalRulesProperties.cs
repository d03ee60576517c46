using FsCheck.Xunit;
using L3Net.Felix.Ipsets;
using L3Net.Felix.Policy;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Property.Felix;

/// <summary>
/// The node's policy calculation fed change by change (<see cref="IncrementalRules"/>) against the whole calculation
/// (<see cref="RuleCalculator.Calculate"/>) over the same inputs: after every step of a random history the chains,
/// hooks and sets are the same. And an applier that follows the handed-out sets by their changes alone
/// (<see cref="IpSet.ChangesSince"/>), applying only every few steps, holds exactly each set's members.
/// </summary>
[Properties(Arbitrary = new[] { typeof(RuleEventGen) })]
public sealed class IncrementalRulesProperties
{
    private const string Local = "n1";

    [Property(MaxTest = 1000, StartSize = 10, EndSize = 40)]
    public void Incremental_rules_equal_a_full_recompute_after_every_change(RuleEvent[] events, byte applyEvery)
    {
        var incremental = new IncrementalRules(Local);
        var endpoints = new SortedDictionary<string, WorkloadEndpoint>(StringComparer.Ordinal);
        var policies = new SortedDictionary<string, NetworkPolicy>(StringComparer.Ordinal);
        IReadOnlyCollection<IPPool> pools = [];
        Func<string, IReadOnlyDictionary<string, string>> namespaces = RuleInputs.DefaultNamespaceLabels;
        var applier = new DeltaApplier();
        for (var i = 0; i < events.Length; i++)
        {
            switch (events[i])
            {
                case PutEndpoint e:
                    var ep = RuleEventGen.Endpoint(e);
                    endpoints[Key(ep)] = ep;
                    incremental.SetEndpoint(Key(ep), ep);
                    break;
                case DeleteEndpoint d:
                    var key = $"{(d.Index % 2 == 0 ? "a" : "b")}/ep{d.Index}";
                    endpoints.Remove(key);
                    incremental.RemoveEndpoint(key);
                    break;
                case PutPolicy p:
                    var policy = RuleEventGen.Policy(p);
                    // A policy is keyed by index here, so one that moves namespace replaces the old one.
                    policies[$"{p.Index}"] = policy;
                    incremental.SetPolicy($"{p.Index}", policy);
                    break;
                case DeletePolicy d:
                    policies.Remove($"{d.Index}");
                    incremental.RemovePolicy($"{d.Index}");
                    break;
                case PutPools p:
                    pools = RuleEventGen.Pools(p);
                    incremental.SetPools(pools);
                    break;
                case LabelNamespace l:
                    var labels = l.Prod;
                    namespaces = ns => ns == "a" && labels
                        ? new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns, ["env"] = "prod" }
                        : RuleInputs.DefaultNamespaceLabels(ns);
                    if (i % 2 == 0)
                    {
                        incremental.SetNamespaceLabels(namespaces);
                    }
                    else
                    {
                        // As the node does on the Kubernetes datastore: the new lookup, then the namespace's endpoints
                        // again (its change journal names them), not a refill of every set.
                        incremental.ReplaceNamespaceLabels(namespaces);
                        foreach (var (k, e) in endpoints.Where(kv => kv.Value.Metadata.Namespace == "a"))
                            incremental.SetEndpoint(k, e);
                    }
                    break;
            }
            var full = RuleCalculator.Calculate(new RuleInputs(Local, endpoints.Values, policies.Values, pools) { NamespaceLabels = namespaces });
            var step = $"after step {i + 1} ({events[i]})";
            Assert.True(Render(full) == Render(incremental.Current), $"{step}:\nfull:\n{Render(full)}\nincremental:\n{Render(incremental.Current)}");
            if (i % (applyEvery % 4 + 1) == 0)
                applier.Apply(incremental.Current.Sets, step);
        }
    }

    private static string Key(WorkloadEndpoint e) => $"{e.Metadata.Namespace}/{e.Metadata.Name}";

    /// <summary>Everything the appliers write, in name order (the order of chains and sets in a rule set is not
    /// part of what is written).</summary>
    private static string Render(RuleSet rules) => string.Join('\n',
        rules.Families.SelectMany(f => f.Chains.Select(c => $"{f.Version} {c.Table}/{c.Name}: {string.Join(" | ", c.Rules)}")
            .Concat(f.Hooks.Select(h => $"{f.Version} hook {h.Table}/{h.BuiltinChain} -> {h.Target}"))).Order(StringComparer.Ordinal)
            .Concat(rules.Sets.Select(s => $"set {s.Name} {s.Type} {(s.IPv6 ? "v6" : "v4")}: {string.Join(' ', s.Members.Order(StringComparer.Ordinal))}")
                .Order(StringComparer.Ordinal)));

    /// <summary>What the ipset applier does without a resync: a set it holds the predecessor of gets only the changes.</summary>
    private sealed class DeltaApplier
    {
        private Dictionary<string, (IpSet Set, HashSet<string> Members)> _applied = [];

        public void Apply(IReadOnlyList<IpSet> sets, string step)
        {
            var next = new Dictionary<string, (IpSet, HashSet<string>)>();
            foreach (var set in sets)
            {
                var members = new HashSet<string>(set.Members, StringComparer.Ordinal);
                if (_applied.TryGetValue(set.Name, out var held) && set.ChangesSince(held.Set) is var (added, removed))
                {
                    members = [.. held.Members];
                    members.ExceptWith(removed);
                    members.UnionWith(added);
                }
                else if (held.Set is not null && ReferenceEquals(held.Set, set))
                {
                    members = held.Members;
                }
                Assert.True(members.SetEquals(set.Members), $"{step}: set {set.Name} followed by its changes holds [{string.Join(' ', members)}], not [{string.Join(' ', set.Members)}]");
                next[set.Name] = (set, members);
            }
            _applied = next;
        }
    }
}
