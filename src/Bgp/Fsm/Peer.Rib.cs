using L3Net.Bgp.Policy;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Fsm;

/// <summary>The neighbour's side of the RIB: import policy (loop detection, then the import filter), its filters
/// changed on the live session, max-prefix, Established/closed transitions and the graceful restart helper (stale
/// routes kept for the restart time, swept at End-of-RIB).</summary>
internal sealed partial class Peer
{
    private int _staleGeneration;
    private volatile bool _restartSettled;
    /// <summary>Over the prefix limit with the Warn action: warned once, again only after falling back under it.</summary>
    private bool _overLimitWarned;

    /// <summary>Down for good by <see cref="PrefixLimitAction.Disable"/>, until the speaker replaces the neighbour.</summary>
    public bool DisabledByPrefixLimit { get; private set; }

    /// <summary>For our own restart (RFC 4724 4.1): this peer sent its End-of-RIB, or will not send one we should wait
    /// for (no graceful restart capability, or restarting itself), or can never come up.</summary>
    public bool RestartSettled => _restartSettled || _disabled is not null;

    public void OnEstablished(Session session)
    {
        lock (this)
        {
            _failures = 0;
            _info = null;
        }
        SetState(BgpState.Established);
        var open = session.RemoteOpen!;
        var linkLocal = session.Families.Contains(Afi.IPv6) ? _ctx.Options.LinkLocalLookup(session.LocalAddress, Config.Address) : null;
        lock (_ctx.Rib.Lock)
        {
            _source.RouterId = open.BgpId;
            if (!_inRib)
            {
                _ctx.Rib.AddSource(_source);
                _inRib = true;
            }
            if (_source.Stale > 0)
            {
                // RFC 4724 4.2: keep the stale routes only if the peer kept its forwarding state for the family.
                if (open.GracefulRestart is { } gr && gr.Families.Any(f => session.Families.Contains(f.Afi) && f.ForwardingPreserved))
                    ScheduleStaleSweep(gr.RestartTime);
                else
                    _ctx.Rib.SweepStale(_source);
            }
            // Everything that changes the bytes we send is in the key: sessions with equal keys share encoded UPDATEs.
            var key = new ExportKey(Ibgp, Config.RemoteAs, session.LocalAddress, Config.RouteReflectorClient, Config.KeepOriginalNextHop,
                linkLocal, session.FourOctetAs, ExportFilterKey(Config));
            var member = new RibMember(_source, _ctx.Group(key), session.SignalOutput);
            session.Member = member;
            _ctx.Rib.AddMember(member);
            _ctx.Rib.Commit();
        }
        if (open.GracefulRestart is not { Restarting: false })
        {
            _restartSettled = true;
            _ctx.NotifyRestartProgress();
        }
    }

    private void OnClosed(Session session, string reason)
    {
        lock (this)
            _sessions.Remove(session);
        Counters.SessionClosed(wasEstablished: session.Member is not null, reason);
        if (session.Member is { } member)
        {
            lock (_ctx.Rib.Lock)
            {
                _ctx.Rib.RemoveMember(member);
                var gr = session.RemoteOpen?.GracefulRestart;
                if (gr is { RestartTime: > 0 } && !session.NotificationExchanged && !_stop.IsCancellationRequested)
                {
                    // RFC 4724 4.2: the peer went away without a NOTIFICATION; keep its routes, marked stale.
                    var kept = _ctx.Rib.MarkStale(_source);
                    ScheduleStaleSweep(gr.RestartTime);
                    reason += $" (graceful restart: keeping {kept} routes for {gr.RestartTime} s)";
                }
                else
                {
                    _ctx.Rib.RemoveSource(_source);
                    _inRib = false;
                }
                _rejected.Clear();
                _ctx.Rib.Commit();
            }
        }
        else
            _failures++;
        if (LiveSessions() == 0)
            SetState(_idleHold ? BgpState.Idle : BgpState.Active, reason);
        else
            SetState(_state, reason);
    }

    private void ScheduleStaleSweep(int seconds)
    {
        var generation = ++_staleGeneration;
        _ = Task.Delay(TimeSpan.FromSeconds(seconds), _stop.Token).ContinueWith(t =>
        {
            if (t.IsCanceled)
                return;
            lock (_ctx.Rib.Lock)
            {
                if (generation != _staleGeneration || _source.Stale == 0)
                    return;
                _ctx.Log($"peer {Config.Address}: graceful restart time over, dropping {_source.Stale} stale routes");
                _ctx.Rib.SweepStale(_source);
                _ctx.Rib.Commit();
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Applies one decoded UPDATE (caller holds the RIB lock); true when the RIB changed.</summary>
    public bool Apply(ParsedUpdate u)
    {
        foreach (var prefix in u.Withdrawn)
        {
            _rejected.Remove(prefix);
            _ctx.Rib.Withdraw(_source, prefix);
        }
        Accept(u.Announced, u.Attributes);
        Accept(u.MpAnnounced, u.MpAttributes);
        if (u.EndOfRib is { } afi)
        {
            _ctx.Log($"peer {Config.Address}: End-of-RIB {afi}, {_source.Accepted} routes");
            _ctx.Rib.SweepStale(_source, afi);
            _restartSettled = true;
            _ctx.NotifyRestartProgress();
        }
        if (OverPrefixLimit() is { } cease)
            throw cease;
        return true;
    }

    /// <summary>The Cease to end the session with when the peer has more accepted prefixes than its limit (RIB lock),
    /// or null: under the limit, or over it with the Warn action (logged once per crossing). Restart keeps the neighbour
    /// idle for its restart time (else the connect retry) before it reconnects; Disable keeps it down until its
    /// configuration changes (BIRD's <c>import limit N action restart|warn|disable</c>).</summary>
    private BgpProtocolException? OverPrefixLimit()
    {
        if (Config.MaxPrefixes is not { } max || _source.Accepted <= max)
        {
            _overLimitWarned = false;
            return null;
        }
        var why = $"more than {max} prefixes";
        switch (Config.MaxPrefixesAction)
        {
            case PrefixLimitAction.Warn:
                if (!_overLimitWarned)
                    _ctx.Log($"peer {Config.Address}: {_source.Accepted} prefixes, {why} (maxPrefixes action Warn: session kept)");
                _overLimitWarned = true;
                return null;
            case PrefixLimitAction.Disable:
                _disabled = $"{why}: disabled until its configuration changes";
                DisabledByPrefixLimit = true;
                break;
        }
        _idleHold = true;
        // RFC 4486 4: AFI, SAFI and the limit as data.
        var afi = (byte)(Config.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 1 : 2);
        return new BgpProtocolException(BgpError.Cease, BgpSubcode.MaxPrefixesReached, why,
            [0, afi, 1, (byte)(max >> 24), (byte)(max >> 16), (byte)(max >> 8), (byte)max]);
    }

    /// <summary>The export filter as the update group key holds it: none as null, so that every filterless session keys alike.</summary>
    private static RouteFilter? ExportFilterKey(PeerConfig config) => config.ExportFilter.IsEmpty ? null : config.ExportFilter;

    /// <summary>
    /// New route policy on the live neighbour (nothing else of its configuration changed), without restarting a session:
    /// import is decided again over everything the peer sent (the routes in the RIB and those kept aside), so a route
    /// the new filter refuses leaves the Loc-RIB and one it allows comes in, with no ROUTE-REFRESH needed; export (the
    /// export filter, keepOriginalNextHop) is run again for each Established session by moving it to the update group
    /// of its new policy, which sends the peer the withdrawals and announcements that make the difference. A new
    /// prefix limit, or a filter that lets in more than it, takes its action as an UPDATE would.
    /// </summary>
    public void UpdatePolicy(PeerConfig config)
    {
        Session[] sessions;
        lock (this)
            sessions = [.. _sessions];
        List<RibMember> members;
        BgpProtocolException? cease = null;
        lock (_ctx.Rib.Lock)
        {
            var reimport = !Config.ImportFilter.Equals(config.ImportFilter);
            Config = config;
            if (_inRib)
            {
                if (reimport)
                    Reimport();
                cease = OverPrefixLimit();
            }
            members = [.. sessions.Select(s => s.Member).OfType<RibMember>()];
            _ctx.Rib.Commit();
        }
        foreach (var member in members)
        {
            UpdateGroup from, to;
            lock (_ctx.Rib.Lock)
            {
                from = member.Group;
                to = _ctx.Group(from.Key with { Export = ExportFilterKey(config), KeepOriginalNextHop = config.KeepOriginalNextHop });
            }
            if (!ReferenceEquals(from, to))
                from.MoveTo(member, to, _ctx.Rib);
        }
        if (cease is not null)
            foreach (var s in sessions)
                s.Abort(cease);
    }

    /// <summary>Runs import again over the peer's whole Adj-RIB-In (RIB lock held).</summary>
    private void Reimport()
    {
        // What was kept aside before this pass: a route the first loop sets aside was just refused, not worth a second look.
        var keptAside = _rejected.ToList();
        foreach (var (prefix, attributes) in _ctx.Rib.RoutesOf(_source))
            if (!Imports(prefix, attributes))
            {
                _rejected[prefix] = attributes;
                _ctx.Rib.Withdraw(_source, prefix);
            }
        foreach (var (prefix, attributes) in keptAside)
            if (Imports(prefix, attributes))
            {
                _rejected.Remove(prefix);
                _ctx.Rib.Announce(_source, prefix, attributes);
            }
    }

    private bool Imports(Prefix prefix, PathAttributes attributes) => LoopFree(attributes) && ImportFilterAllows(prefix);

    private bool ImportFilterAllows(Prefix prefix) => Config.ImportFilter.Evaluate(prefix, learned: true) != FilterAction.Reject;

    /// <summary>The prefixes of one UPDATE share their attributes: loop detection runs once for all of them.</summary>
    private void Accept(List<Prefix> prefixes, PathAttributes? attributes)
    {
        if (prefixes.Count == 0)
            return;
        var loopFree = LoopFree(attributes!);
        var filtered = !Config.ImportFilter.IsEmpty;
        foreach (var prefix in prefixes)
            Accept(prefix, attributes!, loopFree && (!filtered || ImportFilterAllows(prefix)));
    }

    private void Accept(Prefix prefix, PathAttributes attributes, bool accepted)
    {
        if (accepted)
        {
            if (_rejected.Count > 0)
                _rejected.Remove(prefix);
            _ctx.Rib.Announce(_source, prefix, attributes);
        }
        else
        {
            _rejected[prefix] = attributes;
            _ctx.Rib.Withdraw(_source, prefix);
        }
    }

    /// <summary>Loop detection: our AS in the path (eBGP), our router ID as originator or our cluster in the cluster
    /// list (RFC 4456 8).</summary>
    private bool LoopFree(PathAttributes a)
    {
        if (!Ibgp)
            return !a.AsPath.Contains(_ctx.LocalAs);
        if (a.OriginatorId == _ctx.RouterId)
            return false;
        return _ctx.ClusterId is not { } cluster || !a.ClusterList.Span.Contains(cluster);
    }
}
