using System.Buffers;
using System.Net;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Tests.Bgp;

/// <summary>
/// The RIB with its update groups, driven the way sessions drive it (changes committed under the RIB lock, each
/// member's writer pulling chunks with <see cref="RibMember.Next"/>), and for every member a peer that decodes the bytes
/// it is sent. It also keeps the plain truth (which source owns which prefix with which MED) to compare peers against.
/// Compiled into the unit and the property test projects.
/// </summary>
internal sealed class RibHarness
{
    public const uint LocalAs = 65000, ClusterId = 0x0A000064;
    public static readonly IPAddress LocalAddress = IPAddress.Parse("10.0.0.100");
    private readonly Dictionary<Prefix, (RibSource Source, uint Med)> _truth = [];

    public RibHarness()
    {
        Local = RibSource.Local(LocalAddress, LocalAs);
        Engine.AddSource(Local);
    }

    public RibEngine Engine { get; } = new(multipath: false);
    public RibSource Local { get; }

    /// <summary>The key of route-reflector clients reached from <see cref="LocalAddress"/>.</summary>
    public static ExportKey ClientKey(bool fourOctetAs = true)
        => new(Ibgp: true, LocalAs, LocalAddress, RouteReflectorClient: true, KeepOriginalNextHop: false, null, fourOctetAs);

    public UpdateGroup Group(ExportKey key, long maxLagBytes = 4L << 20) => new(key, LocalAs, ClusterId, Engine.Lock) { MaxLagBytes = maxLagBytes };

    /// <summary>A new Established client <paramref name="n"/> (1-250) in <paramref name="group"/>.</summary>
    public SimPeer Join(UpdateGroup group, int n)
    {
        var source = new RibSource(IPAddress.Parse($"10.0.1.{n}"), LocalAs, ibgp: true, routeReflectorClient: true) { RouterId = 0x0A000100u + (uint)n };
        var member = new RibMember(source, group, () => { });
        lock (Engine.Lock)
        {
            Engine.AddSource(source);
            Engine.AddMember(member);
        }
        return new SimPeer(member);
    }

    /// <summary>Announces (or with a null MED withdraws) <paramref name="prefixes"/> from <paramref name="source"/> in one commit.</summary>
    public void Set(RibSource source, IEnumerable<Prefix> prefixes, uint? med)
    {
        lock (Engine.Lock)
        {
            var attributes = new PathAttributes { Med = med, NextHop = source.IsLocal ? null : source.Address, LocalPref = 100 };
            foreach (var prefix in prefixes)
                if (med is { } m)
                {
                    Engine.Announce(source, prefix, attributes);
                    _truth[prefix] = (source, m);
                }
                else
                {
                    Engine.Withdraw(source, prefix);
                    _truth.Remove(prefix);
                }
            Engine.Commit();
        }
    }

    /// <summary>What <paramref name="peer"/> should hold: every route but its own, as (MED, ORIGINATOR_ID).</summary>
    public Dictionary<Prefix, (uint? Med, uint? OriginatorId)> Expected(SimPeer peer)
        => _truth.Where(t => t.Value.Source != peer.Member.Source)
            .ToDictionary(t => t.Key, t => ((uint?)t.Value.Med, t.Value.Source.IsLocal ? null : (uint?)t.Value.Source.RouterId));

    public static IEnumerable<Prefix> Range(int second, int from, int count)
        => Enumerable.Range(from, count).Select(i => Prefix.Parse($"10.{second}.{i / 256}.{i % 256}/32"));
}

/// <summary>The peer at the other end of one member: what it has been sent, decoded.</summary>
internal sealed class SimPeer(RibMember member)
{
    private readonly UpdateDecoder _decoder = new(new DecodeContext(member.Group.Key.FourOctetAs, member.Group.Key.Ibgp));
    private readonly ParsedUpdate _parsed = new();

    public RibMember Member { get; } = member;
    public Dictionary<Prefix, PathAttributes> Routes { get; } = [];
    public List<OutChunk> Chunks { get; } = [];
    public int EndOfRibs { get; private set; }

    /// <summary>What the routes look like in the terms of <see cref="RibHarness.Expected"/>.</summary>
    public Dictionary<Prefix, (uint? Med, uint? OriginatorId)> View => Routes.ToDictionary(r => r.Key, r => (r.Value.Med, r.Value.OriginatorId));

    /// <summary>Lets the member's writer send up to <paramref name="max"/> chunks; returns how many it sent.</summary>
    public int Pull(int max = int.MaxValue)
    {
        var n = 0;
        while (n < max && Member.Next() is { } chunk)
        {
            Chunks.Add(chunk);
            Receive(chunk.PartsFor(Member.Source).SelectMany(p => p.ToArray()).ToArray());
            n++;
        }
        return n;
    }

    private void Receive(byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (MessageFrame.TryRead(ref buffer, MessageFrame.MaxLength, out var type, out var body))
        {
            if (type != MessageType.Update)
                throw new InvalidOperationException($"unexpected {type}");
            _decoder.Decode(body.FirstSpan, _parsed);
            foreach (var prefix in _parsed.Withdrawn)
                Routes.Remove(prefix);
            foreach (var prefix in _parsed.Announced)
                Routes[prefix] = _parsed.Attributes!;
            if (_parsed.EndOfRib is not null)
                EndOfRibs++;
        }
    }
}
