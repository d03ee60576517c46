using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using L3Net.Bgp;

// One BGP speaker as an OS process, so a test can kill -9 (or SIGTERM) it and start it again with --restarting (RFC 4724).
// Prints the speaker's log and every Loc-RIB change ("route PREFIX via HOPS") on stdout.
//   l3net-bgp-worker --as N --router-id A --peer ADDR:AS --originate P1,P2 [--restarting] [--originate-after-ms N]
//                    [--gr-time S] [--deferral S]
// --originate-after-ms models a node that learns what it owns only after its sessions are up (a slow datastore read).
var options = new Dictionary<string, string>();
for (var i = 0; i < args.Length; i++)
    options[args[i]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
if (!options.ContainsKey("--as") || !options.ContainsKey("--router-id") || !options.TryGetValue("--peer", out var peerText))
{
    Console.Error.WriteLine("usage: l3net-bgp-worker --as N --router-id A --peer ADDR:AS [--originate P1,P2] [--restarting] "
        + "[--originate-after-ms N] [--gr-time S] [--deferral S]");
    return 2;
}
int Number(string key, int fallback) => options.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

var routerId = IPAddress.Parse(options["--router-id"]);
var peer = peerText.Split(':');
var speaker = new BgpSpeaker(new SpeakerOptions
{
    LocalAs = uint.Parse(options["--as"], CultureInfo.InvariantCulture),
    RouterId = routerId,
    ListenAddress = routerId,
    HoldTime = TimeSpan.FromSeconds(9),
    ConnectRetryTime = TimeSpan.FromSeconds(1),
    GracefulRestartTime = TimeSpan.FromSeconds(Number("--gr-time", 30)),
    SelectionDeferralTime = TimeSpan.FromSeconds(Number("--deferral", 20)),
    Restarting = options.ContainsKey("--restarting"),
    StopLeavesRoutes = true,
    Log = Console.WriteLine,
});
speaker.SetPeers([new PeerConfig { Address = IPAddress.Parse(peer[0]), RemoteAs = uint.Parse(peer[1], CultureInfo.InvariantCulture) }]);
await speaker.StartAsync();
var changes = Task.Run(async () =>
{
    await foreach (var c in speaker.RouteChanges.ReadAllAsync())
        Console.WriteLine($"route {c.Prefix} via {string.Join(',', c.NextHops)}");
});

await Task.Delay(Number("--originate-after-ms", 0));
var originated = options.GetValueOrDefault("--originate", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
Console.WriteLine($"originating {string.Join(',', originated)}");
speaker.SetOriginated(originated.Select(IPNetwork.Parse));

var stop = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await speaker.DisposeAsync();
await changes;
return 0;
