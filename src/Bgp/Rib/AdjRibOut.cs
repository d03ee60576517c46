using L3Net.Bgp.Wire;

namespace L3Net.Bgp.Rib;

/// <summary>A batch of changes for one session, grouped so that prefixes sharing attributes pack into one UPDATE.</summary>
internal sealed record OutBatch(List<Prefix> Withdrawn, Dictionary<PathAttributes, List<Prefix>> Announced, IReadOnlyList<Afi> EndOfRib)
{
    public bool IsEmpty => Withdrawn.Count == 0 && Announced.Count == 0 && EndOfRib.Count == 0;
}

/// <summary>
/// What we told one peer (RFC 4271 3.2 Adj-RIB-Out) and what is still to be sent. Changes coalesce: a prefix that
/// changes twice before the sender runs goes out once, with its latest attributes. Guarded by the RIB lock.
/// </summary>
internal sealed class AdjRibOut
{
    private readonly Dictionary<Prefix, PathAttributes> _sent = [];
    private Dictionary<Prefix, PathAttributes?> _pending = [];
    private readonly List<Afi> _endOfRib = [];

    public int Count => _sent.Count;
    public bool HasPending => _pending.Count > 0 || _endOfRib.Count > 0;

    public void Set(Prefix prefix, PathAttributes? attributes)
    {
        if (attributes is null)
        {
            if (_sent.Remove(prefix))
                _pending[prefix] = null;
        }
        else if (!_sent.TryGetValue(prefix, out var old) || !ReferenceEquals(old, attributes))
        {
            _sent[prefix] = attributes;
            _pending[prefix] = attributes;
        }
    }

    public void QueueEndOfRib(Afi afi) => _endOfRib.Add(afi);

    /// <summary>Forgets what was sent of one family, so that the next <see cref="Set"/> sends it again (route refresh).
    /// Pending withdrawals stay queued.</summary>
    public void Forget(Afi afi)
    {
        foreach (var prefix in _sent.Keys.Where(p => p.Afi == afi).ToList())
            _sent.Remove(prefix);
    }

    public OutBatch Take()
    {
        var pending = _pending;
        _pending = [];
        var withdrawn = new List<Prefix>();
        var announced = new Dictionary<PathAttributes, List<Prefix>>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, attributes) in pending)
        {
            if (attributes is null)
                withdrawn.Add(prefix);
            else if (announced.TryGetValue(attributes, out var list))
                list.Add(prefix);
            else
                announced[attributes] = [prefix];
        }
        var eor = _endOfRib.ToList();
        _endOfRib.Clear();
        return new OutBatch(withdrawn, announced, eor);
    }
}
