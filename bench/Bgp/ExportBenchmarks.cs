using System.Net;
using BenchmarkDotNet.Attributes;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bench.Bgp;

/// <summary>
/// The send side of a route reflector: 100,000 reflected /32s from 50 clients (one attribute set each) committed in
/// one go, then every one of <see cref="Members"/> update-group members in sync pulls its chunks the way a session
/// writer does (no sockets). With encode-once the UPDATE bytes are built once per group, so the cost per extra member
/// should be only the walk over the shared chunks; the encoded-chunk count is printed per member count.
/// </summary>
[MemoryDiagnoser]
public class ExportBenchmarks
{
    private const int Prefixes = 100_000, Sources = 50;
    private static readonly IPAddress Self = IPAddress.Parse("10.0.0.100");
    private RibEngine _rib = null!;
    private UpdateGroup _group = null!;
    private RibMember[] _members = [];
    private RibSource[] _sources = [];
    private uint _med;

    [Params(1, 200)]
    public int Members { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _rib = new RibEngine(multipath: false);
        _group = new UpdateGroup(new ExportKey(Ibgp: true, 65000, Self, RouteReflectorClient: true, KeepOriginalNextHop: false), 65000, 1, _rib.Lock);
        _sources = [.. Enumerable.Range(1, Sources).Select(i => new RibSource(IPAddress.Parse($"10.1.0.{i}"), 65000, true, true) { RouterId = (uint)i })];
        _members = [.. Enumerable.Range(1, Members).Select(i => new RibMember(new RibSource(IPAddress.Parse($"10.2.{i / 250}.{i % 250}"), 65000, true, true), _group, () => { }))];
        lock (_rib.Lock)
        {
            foreach (var s in _sources.Concat(_members.Select(m => m.Source)))
                _rib.AddSource(s);
            foreach (var m in _members)
                _rib.AddMember(m);
        }
        Drain(); // the (empty) initial tables: every member is in sync afterwards
    }

    [Benchmark]
    public long ReflectToAll()
    {
        lock (_rib.Lock)
        {
            _med++;
            // One attribute set per source, as a session's decoder interns them.
            var attributes = _sources.Select(s => new PathAttributes { NextHop = s.Address, Med = _med }).ToArray();
            for (var i = 0; i < Prefixes; i++)
                _rib.Announce(_sources[i % Sources], Prefix.Create(Afi.IPv4, [100, (byte)(64 + (i >> 16)), (byte)(i >> 8), (byte)i], 32),
                    attributes[i % Sources]);
            _rib.Commit();
        }
        return Drain();
    }

    [IterationCleanup]
    public void Report() => Console.WriteLine($"// {Members} members: {_group.ChunksEncoded} chunks encoded");

    private long Drain()
    {
        long bytes = 0;
        foreach (var m in _members)
            while (m.Next() is { } chunk)
                bytes += chunk.Data.Length;
        return bytes;
    }
}
