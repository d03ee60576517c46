using System.Collections.Immutable;
using L3Net.Felix.Ipsets;
using L3Net.Model.Resources;

namespace L3Net.Felix.Policy;

/// <summary>
/// The rule calculation kept up to date change by change, as Felix's calculation graph keeps it: the result equals
/// <see cref="RuleCalculator.Calculate"/> over the same inputs (a property test holds it to that), and each change costs
/// what it touches.
/// <list type="bullet">
/// <item>An endpoint of another node only moves between pod sets: each set this node uses is asked whether it selects
/// the endpoint, and gains or loses its members. No chain is rendered, however many endpoints the cluster has.</item>
/// <item>A local endpoint, a policy or a pool changes this node's chains: they are rendered again from the local
/// endpoints and the policies alone (the node's size, not the cluster's; the iptables applier writes only the chains
/// whose text changed). A pod set that appears is filled from every endpoint once; one no chain uses is dropped.</item>
/// </list>
/// <see cref="Current"/> hands out sets that changed as successors of the ones handed out before
/// (<see cref="IpSet.ChangesSince"/>), so the ipset applier writes a change's members without comparing whole sets.
/// Not thread-safe: one loop owns it.
/// </summary>
public sealed class IncrementalRules(string node)
{
    private readonly Dictionary<string, WorkloadEndpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, WorkloadEndpoint> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NetworkPolicy> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodSet> _podSets = new(StringComparer.Ordinal);
    private IReadOnlyCollection<IPPool> _pools = [];
    private Func<string, IReadOnlyDictionary<string, string>> _namespaceLabels = RuleInputs.DefaultNamespaceLabels;
    private (FamilyRules V4, FamilyRules V6, IReadOnlyList<IpSet> Fixed, IReadOnlyList<string> PodSets)? _rendered;
    private RuleSet? _current;

    /// <summary>The node whose traffic the chains filter.</summary>
    public string Node => node;

    /// <summary>Adds or replaces an endpoint (<paramref name="key"/>: its identity, e.g. its datastore key).</summary>
    public void SetEndpoint(string key, WorkloadEndpoint ep)
    {
        var wasLocal = _local.ContainsKey(key);
        if (wasLocal || RuleCalculator.IsLocal(ep, node))
            _rendered = null;
        _endpoints[key] = ep;
        if (RuleCalculator.IsLocal(ep, node))
            _local[key] = ep;
        else
            _local.Remove(key);
        foreach (var set in _podSets.Values)
            set.Update(key, ep, _namespaceLabels);
        _current = null;
    }

    public void RemoveEndpoint(string key)
    {
        if (!_endpoints.Remove(key))
            return;
        if (_local.Remove(key))
            _rendered = null;
        foreach (var set in _podSets.Values)
            set.Update(key, null, _namespaceLabels);
        _current = null;
    }

    /// <summary>Adds or replaces a policy (<paramref name="key"/>: its identity, e.g. its datastore key).</summary>
    public void SetPolicy(string key, NetworkPolicy policy)
    {
        _policies[key] = policy;
        _rendered = null;
        _current = null;
    }

    public void RemovePolicy(string key)
    {
        if (_policies.Remove(key))
        {
            _rendered = null;
            _current = null;
        }
    }

    public void SetPools(IReadOnlyCollection<IPPool> pools)
    {
        _pools = pools;
        _rendered = null;
        _current = null;
    }

    /// <summary>New namespace labels may move any pod between namespaceSelector sets: every set is filled again.</summary>
    public void SetNamespaceLabels(Func<string, IReadOnlyDictionary<string, string>> labels)
    {
        _namespaceLabels = labels;
        foreach (var set in _podSets.Values)
            set.Refill(_endpoints, labels);
        _rendered = null;
        _current = null;
    }

    /// <summary>New namespace labels for a caller that sets again every endpoint of each namespace whose labels changed
    /// (the node's change journal names them): only those endpoints' sets are recalculated, not every set.</summary>
    public void ReplaceNamespaceLabels(Func<string, IReadOnlyDictionary<string, string>> labels)
    {
        _namespaceLabels = labels;
        _rendered = null;
        _current = null;
    }

    /// <summary>Replaces every input at once (what a full relist hands over), keyed as the changes after it will be;
    /// sets that keep their members stay as they are, so the next apply writes only what differs.</summary>
    public void Reset(IReadOnlyDictionary<string, WorkloadEndpoint> endpoints, IReadOnlyDictionary<string, NetworkPolicy> policies,
        IReadOnlyCollection<IPPool> pools, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
    {
        foreach (var gone in _endpoints.Keys.Where(k => !endpoints.ContainsKey(k)).ToList())
            RemoveEndpoint(gone);
        foreach (var (key, ep) in endpoints)
            SetEndpoint(key, ep);
        _policies.Clear();
        foreach (var (key, p) in policies)
            _policies[key] = p;
        _pools = pools;
        SetNamespaceLabels(namespaceLabels);
    }

    /// <summary>The calculated rule set; the same instance until an input changes.</summary>
    public RuleSet Current => _current ??= Assemble();

    private RuleSet Assemble()
    {
        var rendered = _rendered ??= Render();
        var sets = new List<IpSet>(rendered.Fixed.Count + rendered.PodSets.Count);
        sets.AddRange(rendered.Fixed);
        sets.AddRange(rendered.PodSets.Select(name => _podSets[name].Take()));
        return new RuleSet(rendered.V4, rendered.V6, sets);
    }

    private (FamilyRules, FamilyRules, IReadOnlyList<IpSet>, IReadOnlyList<string>) Render()
    {
        var sink = new Referenced();
        var (v4, v6) = RuleCalculator.Render(new RuleInputs(node, _local.Values, _policies.Values, _pools) { NamespaceLabels = _namespaceLabels }, sink);
        foreach (var unused in _podSets.Keys.Where(k => !sink.Pods.ContainsKey(k)).ToList())
            _podSets.Remove(unused);
        foreach (var (name, spec) in sink.Pods.Where(p => !_podSets.ContainsKey(p.Key)))
        {
            var set = new PodSet(spec);
            set.Refill(_endpoints, _namespaceLabels);
            _podSets[name] = set;
        }
        return (v4, v6, [.. sink.Fixed.Values], [.. sink.Pods.Keys]);
    }

    /// <summary>The sets one rendering refers to, first of equal names kept (equal names, equal sets).</summary>
    private sealed class Referenced : IRuleSetSink
    {
        public Dictionary<string, IpSet> Fixed { get; } = [];
        public Dictionary<string, PodSetSpec> Pods { get; } = [];

        void IRuleSetSink.Fixed(IpSet set) => Fixed.TryAdd(set.Name, set);

        void IRuleSetSink.Pods(PodSetSpec spec) => Pods.TryAdd(spec.Name, spec);
    }

    /// <summary>
    /// One pod set's members, with what each endpoint contributes (two pods may share an address for a moment, so a
    /// member stays while any endpoint holds it) and what changed since the set was last handed out.
    /// </summary>
    private sealed class PodSet(PodSetSpec spec)
    {
        private readonly Dictionary<string, string[]> _byEndpoint = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _holders = new(StringComparer.Ordinal);
        private readonly HashSet<string> _added = new(StringComparer.Ordinal);
        private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
        private ImmutableHashSet<string> _members = ImmutableHashSet.Create<string>(StringComparer.Ordinal);
        private IpSet? _handedOut;

        public void Update(string key, WorkloadEndpoint? ep, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
        {
            var now = ep is null ? [] : spec.MembersOf(ep, namespaceLabels).Distinct(StringComparer.Ordinal).ToArray();
            var before = _byEndpoint.GetValueOrDefault(key) ?? [];
            if (before.SequenceEqual(now))
                return;
            foreach (var m in before)
                Release(m);
            foreach (var m in now)
                Hold(m);
            if (now.Length == 0)
                _byEndpoint.Remove(key);
            else
                _byEndpoint[key] = now;
        }

        public void Refill(IReadOnlyDictionary<string, WorkloadEndpoint> endpoints, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
        {
            foreach (var gone in _byEndpoint.Keys.Where(k => !endpoints.ContainsKey(k)).ToList())
                Update(gone, null, namespaceLabels);
            foreach (var (key, ep) in endpoints)
                Update(key, ep, namespaceLabels);
        }

        /// <summary>The set as it is now: the same instance while nothing changed, else the successor of the last one.</summary>
        public IpSet Take()
        {
            if (_handedOut is null)
                _handedOut = IpSet.OfCanonical(spec.Name, spec.Version.IPv6, spec.Type, _members);
            else if (_added.Count + _removed.Count > 0)
                _handedOut = _handedOut.Next(_members, [.. _added], [.. _removed]);
            _added.Clear();
            _removed.Clear();
            return _handedOut;
        }

        private void Hold(string member)
        {
            var n = _holders.GetValueOrDefault(member);
            _holders[member] = n + 1;
            if (n > 0)
                return;
            _members = _members.Add(member);
            if (!_removed.Remove(member))
                _added.Add(member);
        }

        private void Release(string member)
        {
            var n = _holders[member];
            if (n > 1)
            {
                _holders[member] = n - 1;
                return;
            }
            _holders.Remove(member);
            _members = _members.Remove(member);
            if (!_added.Remove(member))
                _removed.Add(member);
        }
    }
}
