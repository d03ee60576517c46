using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using L3Net.Bgp.Rib;
using L3Net.Bgp.Wire;

namespace L3Net.Bench.Bgp;

/// <summary>
/// The receive hot path on a realistic full-table stream: 1,000,000 IPv4 prefixes (/24 and /22 mixed) spread over
/// 500 distinct attribute sets, packed into 4096-byte UPDATEs as a router sends them. Decode = framing + UPDATE
/// decode with interning; Insert = the same plus Adj-RIB-In + Loc-RIB best path (one peer, no export).
/// Prefixes per second = 1,000,000 / mean time per operation. Decode runs a session's decoder that has seen the
/// stream once (the steady state: every attribute set already interned), so its allocation column is the per-UPDATE
/// figure; Insert starts from an empty RIB each time and drains the Loc-RIB change stream as the node daemon does.
/// </summary>
[MemoryDiagnoser]
public class BgpBenchmarks
{
    public const int Prefixes = 1_000_000;
    private byte[] _stream = [];
    private int _messages;
    private UpdateDecoder _warm = null!;
    private readonly ParsedUpdate _parsed = new();

    [GlobalSetup]
    public void Setup()
    {
        var output = new List<byte>();
        var buffer = new byte[MessageFrame.MaxLength];
        var perSet = Prefixes / 500;
        for (var set = 0; set < 500; set++)
        {
            var a = new PathAttributes
            {
                AsPath = new AsPath(new ValueArray<AsPathSegment>([new AsPathSegment(AsSegmentType.Sequence, new ValueArray<uint>([65001, (uint)(64600 + set % 50), (uint)(4200000000 + set)]))])),
                NextHop = IPAddress.Parse("10.0.0.1"),
                Med = (uint)set,
                Communities = new ValueArray<uint>([0xFDE80000 + (uint)set]),
            };
            var prefixes = Enumerable.Range(set * perSet, perSet)
                .Select(i => Prefix.Create(Afi.IPv4, [(byte)(1 + (i >> 16)), (byte)(i >> 8), (byte)i, 0], i % 4 == 0 ? 22 : 24)).ToArray();
            for (var i = 0; i < prefixes.Length;)
            {
                var n = UpdateWriter.WriteAnnounce(buffer, a, prefixes.AsSpan(i), true, out var consumed);
                output.AddRange(buffer.AsSpan(0, n));
                i += consumed;
                _messages++;
            }
        }
        _stream = [.. output];
        _warm = new UpdateDecoder(new DecodeContext(true, false));
        Console.WriteLine($"// {Prefixes} prefixes in {_messages} UPDATEs, {_stream.Length} bytes; decoded {DecodeWith(_warm)}");
    }

    [Benchmark]
    public int Decode() => DecodeWith(_warm);

    private int DecodeWith(UpdateDecoder decoder)
    {
        var seq = new ReadOnlySequence<byte>(_stream);
        var count = 0;
        while (MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out _, out var body))
        {
            decoder.Decode(body.FirstSpan, _parsed);
            count += _parsed.Announced.Count;
        }
        return count;
    }

    [Benchmark]
    public int DecodeAndInsert()
    {
        var decoder = new UpdateDecoder(new DecodeContext(true, false));
        var parsed = _parsed;
        var rib = new RibEngine(multipath: false);
        var source = new RibSource(IPAddress.Parse("10.0.0.1"), 65001, ibgp: false, routeReflectorClient: false);
        rib.AddSource(source);
        var seq = new ReadOnlySequence<byte>(_stream);
        var changes = 0;
        while (MessageFrame.TryRead(ref seq, MessageFrame.MaxLength, out _, out var body))
        {
            decoder.Decode(body.FirstSpan, parsed);
            foreach (var p in parsed.Announced)
                rib.Announce(source, p, parsed.Attributes!);
            rib.Commit();
            while (rib.Changes.TryRead(out _))
                changes++;
        }
        return changes;
    }
}
