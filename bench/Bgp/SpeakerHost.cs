using System.Diagnostics;
using System.Net;
using L3Net.Bgp;

namespace L3Net.Bench.Bgp;

/// <summary>
/// Our speaker as a process of its own, the way the node daemon runs it but with no dataplane: the whole-system runs
/// start it with <c>ip netns exec NS dotnet l3net-bench.dll bgp-speaker ...</c>, so its sockets live in that namespace
/// and its CPU time and resident memory can be read from /proc like any other receiver's. It drains the Loc-RIB
/// change stream (what the node daemon's route applier would consume) and, every 100 ms (the runners' own polling
/// pace; a faster loop only adds thread-pool wake-ups to the CPU time measured), prints one status line when the
/// number of Established sessions, of Loc-RIB routes or of routes accepted from all peers changed:
/// <c>status ESTABLISHED ROUTES PATHS TIMESTAMP ALLOCATED GEN0 GEN1 GEN2 PAUSE_MS CONTENDED</c>: after the counts, the
/// garbage collector's figures since the process started (bytes allocated, collections of each generation, time
/// paused) and how many times a thread found a lock taken, so a run shows how much of the speaker's CPU is the managed
/// heap's and whether the sessions wait for each other on the RIB lock.
/// </summary>
internal static class SpeakerHost
{
    /// <summary>Arguments: <c>--as N --router-id A --listen A [--cluster-id A] [--active] [--rr-clients]
    /// --peer ADDRESS,AS ...</c>. Runs until stdin closes or the process is killed.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        uint asn = 0;
        IPAddress? routerId = null, listen = null, clusterId = null;
        bool active = false, clients = false;
        var peers = new List<(IPAddress Address, uint As)>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--as": asn = uint.Parse(args[++i]); break;
                case "--router-id": routerId = IPAddress.Parse(args[++i]); break;
                case "--listen": listen = IPAddress.Parse(args[++i]); break;
                case "--cluster-id": clusterId = IPAddress.Parse(args[++i]); break;
                case "--active": active = true; break;
                case "--rr-clients": clients = true; break;
                case "--peer":
                    var parts = args[++i].Split(',');
                    peers.Add((IPAddress.Parse(parts[0]), uint.Parse(parts[1])));
                    break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }
        await using var speaker = new BgpSpeaker(new SpeakerOptions
        {
            LocalAs = asn,
            RouterId = routerId ?? throw new ArgumentException("--router-id is required"),
            ListenAddress = listen,
            ClusterId = clusterId,
            HoldTime = TimeSpan.FromSeconds(240), // a loaded 2-core machine must not time the sessions out
            ConnectRetryTime = TimeSpan.FromSeconds(1),
            Log = line => Console.Error.WriteLine(line),
        });
        speaker.SetPeers(peers.Select(p => new PeerConfig
        {
            Address = p.Address,
            RemoteAs = p.As,
            RouteReflectorClient = clients,
            Passive = !active,
        }));
        await speaker.StartAsync();
        using var stop = new CancellationTokenSource();
        _ = Task.Run(() =>
        {
            Console.In.ReadToEnd();
            stop.Cancel();
        });
        var routes = Task.Run(() => CountRoutesAsync(speaker, stop.Token));
        var last = (Established: -1, Routes: -1L, Paths: -1L);
        while (!stop.IsCancellationRequested)
        {
            var peerStates = speaker.Peers;
            var now = (peerStates.Count(p => p.State == BgpState.Established), Interlocked.Read(ref _routes), peerStates.Sum(p => (long)p.PrefixesAccepted));
            if (now != last)
                Console.WriteLine($"status {now.Item1} {now.Item2} {now.Item3} {Stopwatch.GetTimestamp()} {GC.GetTotalAllocatedBytes()} "
                    + $"{GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {(long)GC.GetTotalPauseDuration().TotalMilliseconds} {Monitor.LockContentionCount}");
            last = now;
            try
            {
                await Task.Delay(100, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await routes;
        return 0;
    }

    private static long _routes;

    /// <summary>Learned routes in the Loc-RIB, counted off the change stream the way the node daemon consumes it
    /// (<c>DataplaneLoop</c>: wake on the first change, let a burst collect for 20 ms, drain): announcements minus
    /// withdrawals, exact for these runs, where every prefix is announced once; no set of its own, so the process's
    /// memory stays the speaker's. A reader awaiting every single change would cost a thread-pool wake-up per route.</summary>
    private static async Task CountRoutesAsync(BgpSpeaker speaker, CancellationToken ct)
    {
        try
        {
            while (await speaker.RouteChanges.WaitToReadAsync(ct))
            {
                while (speaker.RouteChanges.TryRead(out var change))
                    Interlocked.Add(ref _routes, change.NextHops.Count > 0 ? 1 : -1);
                await Task.Delay(20, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // stdin closed: the run is over
        }
    }
}
