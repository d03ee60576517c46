using System.Net;
using L3Net.Bgp;
using L3Net.Felix.Routes;

namespace L3Net.Node;

/// <summary>
/// Graceful restart, the dataplane half: the learned routes a previous process left in the kernel are adopted as
/// desired at start, so the first resync keeps them and forwarding never stops. Each is refreshed when the speaker
/// learns it again; whatever was not re-learned once every session has been up for <see cref="Settle"/> (or after
/// <see cref="Limit"/> at the latest) is dropped as stale, as RFC 4724 does with a peer's stale routes.
/// </summary>
public sealed class RestartTakeover
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private readonly RouteTable _table;
    private readonly HashSet<IPNetwork> _stale = [];
    private readonly DateTime _deadline = DateTime.UtcNow + Limit;
    private DateTime? _allUpSince;

    public RestartTakeover(RouteReconciler reconciler, RouteTable table)
    {
        _table = table;
        var own = reconciler.OwnInKernel();
        foreach (var r in own.Where(r => r.Kind == RouteKind.Learned))
        {
            table.SetLearned(r.Destination, r.NextHops);
            _stale.Add(r.Destination);
        }
        Adopted = _stale.Count;
        ForwardingPreserved = own.Count > 0;
    }

    public int Adopted { get; }

    /// <summary>Any of our routes (blackholes, endpoints, learned) outlived the previous process: the speaker says so
    /// in its graceful restart capability (restart and forwarding-state bits), so that peers keep our prefixes as stale
    /// until our End-of-RIB instead of flushing them when the new session opens. A node with pods but nothing learned
    /// (the first node of a cluster, or one whose peers send nothing) must set it as much as any other.</summary>
    public bool ForwardingPreserved { get; }

    public void Relearned(IPNetwork prefix) => _stale.Remove(prefix);

    public void ExpireIfSettled(IReadOnlyList<PeerState> peers)
    {
        if (_stale.Count == 0)
            return;
        var now = DateTime.UtcNow;
        var allUp = peers.Count > 0 && peers.All(p => p.State == BgpState.Established);
        _allUpSince = allUp ? _allUpSince ?? now : null;
        if (now < _deadline && (_allUpSince is null || now - _allUpSince < Settle))
            return;
        foreach (var prefix in _stale)
            _table.SetLearned(prefix, []);
        _stale.Clear();
    }
}
