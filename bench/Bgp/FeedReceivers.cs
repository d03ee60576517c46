using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using L3Net.Lab;
using L3Net.Testing;
using L3Net.Testing.Peers;

namespace L3Net.Bench.Bgp;

/// <summary>Where one receiver stands: session up, and how many routes its Loc-RIB holds.</summary>
internal readonly record struct FeedProgress(bool Established, long Routes);

/// <summary>
/// A BGP implementation measured as the receiver of a full feed: eBGP AS <see cref="FullFeedBench.ReceiverAs"/> on
/// <see cref="FullFeedBench.ReceiverAddress"/>, passive, importing everything from the sender and exporting nothing
/// (a node is not transit, and a receiver that echoed a million routes back would be measuring something else).
/// </summary>
internal abstract class FeedReceiver
{
    public abstract string Name { get; }

    /// <summary>The process whose CPU and memory are measured (started with <c>ip netns exec</c>, which execs, so
    /// its pid is the daemon's).</summary>
    public abstract BackgroundProcess Process { get; }

    /// <summary>Starts the daemon in <paramref name="host"/> and returns once it answers its control interface.</summary>
    public abstract Task StartAsync(NetnsHost host, string dir);

    /// <summary>Routes counted once they are in the Loc-RIB (best path run), not merely received.</summary>
    public abstract FeedProgress Poll();
}

/// <summary>Our speaker in its own process (<see cref="SpeakerHost"/>): the route count comes off the Loc-RIB change
/// stream, i.e. after the decision process.</summary>
internal sealed partial class OurReceiver : FeedReceiver
{
    private BackgroundProcess _process = null!;

    public override string Name => "L3Net";
    public override BackgroundProcess Process => _process;

    public override async Task StartAsync(NetnsHost host, string dir)
    {
        _process = StartSpeaker(host, ["--as", FullFeedBench.ReceiverAs.ToString(), "--router-id", FullFeedBench.ReceiverAddress,
            "--listen", FullFeedBench.ReceiverAddress, "--peer", $"{FullFeedBench.SenderAddress}:{FullFeedBench.SenderAs}"]);
        await Eventually.AssertAsync(() => LastStatus(_process.Output) is not null, TimeSpan.FromSeconds(60),
            "our speaker printing its status", () => _process.Output);
    }

    public override FeedProgress Poll() => LastStatus(_process.Output) ?? default;

    /// <summary>Starts <c>l3net-bench bgp-speaker ARGS</c> inside <paramref name="host"/> with the same runtime.</summary>
    public static BackgroundProcess StartSpeaker(NetnsHost host, IEnumerable<string> args)
    {
        var self = Environment.ProcessPath!;
        IEnumerable<string> prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(SpeakerHost).Assembly.Location] : [];
        return host.Start(self, [.. prefix, "bgp-speaker", .. args]);
    }

    /// <summary>The last <c>status ESTABLISHED ROUTES TIMESTAMP</c> line.</summary>
    public static FeedProgress? LastStatus(string output)
    {
        var matches = StatusLine().Matches(output);
        if (matches.Count == 0)
            return null;
        var m = matches[^1];
        return new FeedProgress(int.Parse(m.Groups[1].Value) > 0, long.Parse(m.Groups[2].Value));
    }

    [GeneratedRegex(@"^status (\d+) (\d+) \d+", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}

/// <summary>BIRD 2: routes are imported into its table synchronously, so "imported" is the Loc-RIB count.</summary>
internal sealed partial class BirdReceiver : FeedReceiver
{
    private BirdPeer _bird = null!;

    public override string Name => "BIRD 2.0.12";
    public override BackgroundProcess Process => _bird.Process;

    public override async Task StartAsync(NetnsHost host, string dir)
        => _bird = await BirdPeer.StartAsync(host, $$"""
            router id {{FullFeedBench.ReceiverAddress}};
            protocol device {}
            protocol bgp feed {
              local {{FullFeedBench.ReceiverAddress}} as {{FullFeedBench.ReceiverAs}};
              neighbor {{FullFeedBench.SenderAddress}} as {{FullFeedBench.SenderAs}};
              passive on; hold time 240;
              ipv4 { import all; export none; };
            }
            """);

    public override FeedProgress Poll()
    {
        var text = _bird.Protocol("feed");
        var routes = Imported().Match(text);
        return new FeedProgress(text.Contains("Established"), routes.Success ? long.Parse(routes.Groups[1].Value) : 0);
    }

    [GeneratedRegex(@"Routes:\s+(\d+) imported")]
    private static partial Regex Imported();
}

/// <summary>FRR 8.4 as the e2e tests run it (<see cref="FrrPeer"/>: zebra + <c>bgpd -n</c>, nothing installed in the
/// kernel); bgpd is the process measured. Routes are counted by the table version, which bgpd bumps when its work queue
/// has run best path for a prefix; the received count alone would stop the clock before the decision process ran.</summary>
internal sealed class FrrReceiver : FeedReceiver
{
    private FrrPeer _frr = null!;

    public override string Name => "FRR 8.4.4 (bgpd -n)";
    public override BackgroundProcess Process => _frr.Process;

    public override async Task StartAsync(NetnsHost host, string dir)
    {
        var peer = FullFeedBench.SenderAddress;
        _frr = await FrrPeer.StartAsync(host, $"""
            hostname receiver
            ip prefix-list NONE seq 5 deny any
            router bgp {FullFeedBench.ReceiverAs}
             bgp router-id {FullFeedBench.ReceiverAddress}
             no bgp ebgp-requires-policy
             neighbor {peer} remote-as {FullFeedBench.SenderAs}
             neighbor {peer} passive
             neighbor {peer} timers 80 240
             address-family ipv4 unicast
              neighbor {peer} prefix-list NONE out
             exit-address-family

            """);
    }

    public override FeedProgress Poll()
    {
        var text = _frr.Vtysh("show bgp ipv4 unicast summary json");
        var s = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : null;
        var peer = s?["peers"]?[FullFeedBench.SenderAddress];
        return new FeedProgress(peer?["state"]?.GetValue<string>() == "Established", s?["tableVersion"]?.GetValue<long>() ?? 0);
    }
}

/// <summary>GoBGP 3.10: the global RIB's destination count is its Loc-RIB. Each <c>gobgp</c> call is a Go process of
/// its own and a gRPC request the daemon serves between UPDATEs, so on two shared cores polling twice per 100 ms took
/// a large share of the machine from the receiver: it is asked once a second, for its neighbour summary (state and the
/// accepted count, which GoBGP raises in the same step that puts the path in the global RIB), and the global RIB is
/// counted once all <paramref name="routes"/> are accepted, to confirm the end (so the time is ± 1 s).</summary>
internal sealed partial class GoBgpReceiver(long routes) : FeedReceiver
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);
    private GoBgpPeer _gobgp = null!;
    private readonly Stopwatch _sincePoll = new();
    private FeedProgress _last;

    public override string Name => "GoBGP 3.10";
    public override BackgroundProcess Process => _gobgp.Process;

    public override async Task StartAsync(NetnsHost host, string dir)
        => _gobgp = await GoBgpPeer.StartAsync(host, $"""
            [global.config]
              as = {FullFeedBench.ReceiverAs}
              router-id = "{FullFeedBench.ReceiverAddress}"
              local-address-list = ["{FullFeedBench.ReceiverAddress}"]
            [global.apply-policy.config]
              default-export-policy = "reject-route"
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "{FullFeedBench.SenderAddress}"
                peer-as = {FullFeedBench.SenderAs}
              [neighbors.timers.config]
                hold-time = 240
              [neighbors.transport.config]
                passive-mode = true
            """);

    public override FeedProgress Poll()
    {
        if (_sincePoll.IsRunning && _sincePoll.Elapsed < Every)
            return _last;
        _sincePoll.Restart();
        string neighbor;
        try
        {
            neighbor = _gobgp.Gobgp("neighbor", FullFeedBench.SenderAddress);
        }
        catch (LabException)
        {
            return _last; // deep in a million routes gobgpd can leave its API unanswered for over a minute: ask again
        }
        var match = Accepted().Match(neighbor);
        var accepted = match.Success ? long.Parse(match.Groups[1].Value) : 0;
        var progress = new FeedProgress(neighbor.Contains("BGP state = ESTABLISHED"), accepted);
        if (accepted >= routes)
        {
            var rib = Destinations().Match(_gobgp.Gobgp("global", "rib", "summary", "-a", "ipv4"));
            progress = progress with { Routes = rib.Success ? long.Parse(rib.Groups[1].Value) : 0 };
        }
        return _last = progress;
    }

    [GeneratedRegex(@"Accepted:\s+(\d+)")]
    private static partial Regex Accepted();

    [GeneratedRegex(@"Destination: (\d+)")]
    private static partial Regex Destinations();
}
