using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Fsm;

/// <summary>The neighbour's side of the RIB: import policy, max-prefix, Established/closed transitions and the
/// graceful restart helper (stale routes kept for the restart time, swept at End-of-RIB).</summary>
internal sealed partial class Peer
{
    private int _staleGeneration;
    private volatile bool _restartSettled;

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
                linkLocal, session.FourOctetAs);
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
        if (Config.MaxPrefixes is { } max && _source.Accepted > max)
        {
            _idleHold = true;
            // RFC 4486 4: AFI, SAFI and the limit as data.
            throw new BgpProtocolException(BgpError.Cease, BgpSubcode.MaxPrefixesReached, $"more than {max} prefixes",
                [0, 1, 1, (byte)(max >> 24), (byte)(max >> 16), (byte)(max >> 8), (byte)max]);
        }
        return true;
    }

    /// <summary>The prefixes of one UPDATE share their attributes: loop detection runs once for all of them.</summary>
    private void Accept(List<Prefix> prefixes, PathAttributes? attributes)
    {
        if (prefixes.Count == 0)
            return;
        var loopFree = LoopFree(attributes!);
        foreach (var prefix in prefixes)
            Accept(prefix, attributes!, loopFree);
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
            _rejected.Add(prefix);
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
