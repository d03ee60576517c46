using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using L3Net.Lab;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Bench.Bgp;

/// <summary>Where one receiver stands: sessions Established, and how many routes (paths, one per sender and prefix)
/// it has accepted into its RIB.</summary>
internal readonly record struct FeedProgress(int Established, long Paths);

/// <summary>
/// A BGP implementation measured as the receiver of a full feed: eBGP AS <see cref="FeedShape.ReceiverAs"/> on
/// <see cref="FeedShape.ReceiverAddress"/>, passive, importing everything from every sender and exporting nothing
/// (a node is not transit, and a receiver that echoed a million routes back would be measuring something else).
/// </summary>
internal abstract class FeedReceiver(FeedShape shape)
{
    protected FeedShape Shape { get; } = shape;

    /// <summary>The senders' addresses, the receiver's neighbours.</summary>
    protected IEnumerable<(string Address, uint As)> Senders => Enumerable.Range(0, Shape.Senders).Select(i => (Shape.SenderAddress(i), Shape.SenderAs(i)));

    public abstract string Name { get; }

    /// <summary>The process whose CPU and memory are measured (started with <c>ip netns exec</c>, which execs, so
    /// its pid is the daemon's).</summary>
    public abstract BackgroundProcess Process { get; }

    /// <summary>Starts the daemon in <paramref name="host"/> and returns once it answers its control interface.</summary>
    public abstract Task StartAsync(NetnsHost host, string dir);

    /// <summary>Routes counted once they are in the receiver's RIB, not merely received.</summary>
    public abstract FeedProgress Poll();

    /// <summary>What else the receiver reports of its own work, printed under its row; null when nothing.</summary>
    public virtual string? Notes() => null;
}

/// <summary>Our speaker in its own process (<see cref="SpeakerHost"/>): the routes accepted from all peers (the
/// decision runs in the same step, under the same lock); with one sender, the Loc-RIB change stream's count too.</summary>
internal sealed partial class OurReceiver(FeedShape shape) : FeedReceiver(shape)
{
    private BackgroundProcess _process = null!;

    public override string Name => "L3Net";
    public override BackgroundProcess Process => _process;

    public override async Task StartAsync(NetnsHost host, string dir)
    {
        _process = StartSpeaker(host, ["--as", FeedShape.ReceiverAs.ToString(), "--router-id", Shape.ReceiverRouterId,
            "--listen", Shape.ReceiverAddress, .. Senders.SelectMany(s => new[] { "--peer", $"{s.Address},{s.As}" })]);
        await Eventually.AssertAsync(() => LastStatus(_process.Output) is not null, TimeSpan.FromSeconds(60),
            "our speaker printing its status", () => _process.Output);
    }

    public override FeedProgress Poll() => LastStatus(_process.Output) ?? default;

    /// <summary>The garbage collector's and the locks' figures of the last status line (since the speaker started).</summary>
    public override string? Notes()
    {
        var m = LastStatusLine(_process.Output);
        return m is null || !m.Groups["alloc"].Success ? null
            : $"GC since start: {long.Parse(m.Groups["alloc"].Value) / 1048576.0:0} MiB allocated, collections gen0 {m.Groups["gen0"].Value}, "
              + $"gen1 {m.Groups["gen1"].Value}, gen2 {m.Groups["gen2"].Value}, paused {m.Groups["pause"].Value} ms; locks found taken {m.Groups["contended"].Value} times";
    }

    /// <summary>Starts <c>l3net-bench bgp-speaker ARGS</c> inside <paramref name="host"/> with the same runtime, compiling
    /// as the node daemon does (its project turns tiered compilation off; this process's runtimeconfig is the bench's).</summary>
    public static BackgroundProcess StartSpeaker(NetnsHost host, IEnumerable<string> args)
    {
        var self = Environment.ProcessPath!;
        IEnumerable<string> prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(SpeakerHost).Assembly.Location] : [];
        return host.Start(self, [.. prefix, "bgp-speaker", .. args], new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" });
    }

    /// <summary>The last <c>status ESTABLISHED ROUTES PATHS TIMESTAMP</c> line.</summary>
    private static FeedProgress? LastStatus(string output)
        => LastStatusLine(output) is { } m ? new FeedProgress(int.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value)) : null;

    private static Match? LastStatusLine(string output) => StatusLine().Matches(output) is { Count: > 0 } all ? all[^1] : null;

    [GeneratedRegex(@"^status (\d+) \d+ (\d+) \d+(?: (?<alloc>\d+) (?<gen0>\d+) (?<gen1>\d+) (?<gen2>\d+) (?<pause>\d+) (?<contended>\d+))?", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}

/// <summary>BIRD 2: routes are imported into its table synchronously, so the protocols' "imported" counts are its RIB.</summary>
internal sealed partial class BirdReceiver(FeedShape shape) : FeedReceiver(shape)
{
    private BirdPeer _bird = null!;

    public override string Name => "BIRD 2.0.12";
    public override BackgroundProcess Process => _bird.Process;

    public override async Task StartAsync(NetnsHost host, string dir)
        => _bird = await BirdPeer.StartAsync(host, $"router id {Shape.ReceiverRouterId};\nprotocol device {{}}\n"
            + string.Concat(Senders.Select((s, i) => $$"""
                protocol bgp feed{{i}} {
                  local {{Shape.ReceiverAddress}} as {{FeedShape.ReceiverAs}};
                  neighbor {{s.Address}} as {{s.As}};
                  passive on; hold time 240;
                  {{Shape.Family}} { import all; export none; };
                }

                """)));

    public override FeedProgress Poll()
    {
        var (up, imported) = (0, 0L);
        foreach (Match m in FeedBlock().Matches(_bird.Birdc("show", "protocols", "all")))
        {
            if (m.Groups["state"].Value == "Established")
                up++;
            if (m.Groups["imported"].Success)
                imported += long.Parse(m.Groups["imported"].Value);
        }
        return new FeedProgress(up, imported);
    }

    [GeneratedRegex(@"^feed\d+\s+BGP\s+\S+\s+\S+\s+\S+\s+(?<state>\S+)(?:(?:(?!^feed\d+\s).)*?Routes:\s+(?<imported>\d+) imported)?",
        RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FeedBlock();
}

/// <summary>FRR 8.4 as the e2e tests run it (<see cref="FrrPeer"/>: zebra + <c>bgpd -n</c>, nothing installed in the
/// kernel); bgpd is the process measured. Routes are counted by the peers' received prefixes; bgpd runs best path
/// from a work queue after that, which the runner's idle rule (no CPU for 1.5 s) waits out.</summary>
internal sealed class FrrReceiver(FeedShape shape) : FeedReceiver(shape)
{
    private FrrPeer _frr = null!;

    public override string Name => "FRR 8.4.4 (bgpd -n)";
    public override BackgroundProcess Process => _frr.Process;

    public override async Task StartAsync(NetnsHost host, string dir)
    {
        var neighbours = string.Concat(Senders.Select(s => $"""
             neighbor {s.Address} remote-as {s.As}
             neighbor {s.Address} passive
             neighbor {s.Address} timers 80 240

            """));
        var activations = string.Concat(Senders.Select(s => $"""
              neighbor {s.Address} activate
              neighbor {s.Address} prefix-list NONE out

            """));
        _frr = await FrrPeer.StartAsync(host, $"""
            hostname receiver
            ip prefix-list NONE seq 5 deny any
            ipv6 prefix-list NONE seq 5 deny any
            router bgp {FeedShape.ReceiverAs}
             bgp router-id {Shape.ReceiverRouterId}
             no bgp default ipv4-unicast
             no bgp ebgp-requires-policy
            {neighbours} address-family {Shape.Family} unicast
            {activations} exit-address-family

            """);
    }

    public override FeedProgress Poll()
    {
        var text = _frr.Vtysh($"show bgp {Shape.Family} unicast summary json");
        var peers = (text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : null)?["peers"]?.AsObject();
        if (peers is null)
            return default;
        var states = peers.Select(p => p.Value).ToList();
        return new FeedProgress(states.Count(p => p?["state"]?.GetValue<string>() == "Established"),
            states.Sum(p => p?["pfxRcd"]?.GetValue<long>() ?? 0));
    }
}

/// <summary>GoBGP 3.10: the global RIB's destination count is its Loc-RIB. Each <c>gobgp</c> call is a Go process of
/// its own and a gRPC request the daemon serves between UPDATEs, so on two shared cores polling twice per 100 ms took
/// a large share of the machine from the receiver: it is asked once a second, for its neighbour summary (state and the
/// accepted count, which GoBGP raises in the same step that puts the path in the global RIB), and the global RIB is
/// counted once all routes are accepted, to confirm the end (so the time is ± 1 s). One IPv4 sender only: GoBGP
/// needs minutes for one full table here, so the many-sender and IPv6 shapes are run against BIRD and FRR.</summary>
internal sealed partial class GoBgpReceiver(FeedShape shape) : FeedReceiver(shape)
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);
    private GoBgpPeer _gobgp = null!;
    private readonly Stopwatch _sincePoll = new();
    private FeedProgress _last;

    public override string Name => "GoBGP 3.10";
    public override BackgroundProcess Process => _gobgp.Process;

    public override async Task StartAsync(NetnsHost host, string dir)
    {
        if (Shape.Senders != 1 || Shape.Ipv6)
            throw new NotSupportedException("the GoBGP receiver runs the one-sender IPv4 feed only");
        _gobgp = await GoBgpPeer.StartAsync(host, $"""
            [global.config]
              as = {FeedShape.ReceiverAs}
              router-id = "{Shape.ReceiverRouterId}"
              local-address-list = ["{Shape.ReceiverAddress}"]
            [global.apply-policy.config]
              default-export-policy = "reject-route"
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "{Shape.SenderAddress(0)}"
                peer-as = {Shape.SenderAs(0)}
              [neighbors.timers.config]
                hold-time = 240
              [neighbors.transport.config]
                passive-mode = true
            """);
    }

    public override FeedProgress Poll()
    {
        if (_sincePoll.IsRunning && _sincePoll.Elapsed < Every)
            return _last;
        _sincePoll.Restart();
        string neighbor;
        try
        {
            neighbor = _gobgp.Gobgp("neighbor", Shape.SenderAddress(0));
        }
        catch (LabException)
        {
            return _last; // deep in a million routes gobgpd can leave its API unanswered for over a minute: ask again
        }
        var match = Accepted().Match(neighbor);
        var accepted = match.Success ? long.Parse(match.Groups[1].Value) : 0;
        var progress = new FeedProgress(neighbor.Contains("BGP state = ESTABLISHED") ? 1 : 0, accepted);
        if (accepted >= Shape.Routes)
        {
            var rib = Destinations().Match(_gobgp.Gobgp("global", "rib", "summary", "-a", "ipv4"));
            progress = progress with { Paths = rib.Success ? long.Parse(rib.Groups[1].Value) : 0 };
        }
        return _last = progress;
    }

    [GeneratedRegex(@"Accepted:\s+(\d+)")]
    private static partial Regex Accepted();

    [GeneratedRegex(@"Destination: (\d+)")]
    private static partial Regex Destinations();
}
