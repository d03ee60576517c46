using System.Net;
using L3Net.Bgp;
using L3Net.Testing;
using L3Net.Testing.Peers;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>Runs our speaker in-process with its sockets inside a test namespace, and asserts on its Loc-RIB.</summary>
internal static class SpeakerFixture
{
    public static async Task<BgpSpeaker> StartAsync(NetnsHost host, uint asn, string routerId, IEnumerable<PeerConfig> peers,
        IEnumerable<string>? originated = null, Func<SpeakerOptions, SpeakerOptions>? tweak = null)
    {
        var options = new SpeakerOptions
        {
            LocalAs = asn,
            RouterId = IPAddress.Parse(routerId),
            ConnectRetryTime = TimeSpan.FromSeconds(1),
            HoldTime = TimeSpan.FromSeconds(9),
            SocketFactory = NetnsSockets.Factory(host),
            LinkLocalLookup = (local, peer) => NetnsSockets.RunIn(host.NetnsPath, () => OnLink.LinkLocalFor(local, peer)),
            Log = line => Console.WriteLine($"[speaker {host.Name}] {line}"),
        };
        var speaker = new BgpSpeaker(tweak is null ? options : tweak(options));
        speaker.SetPeers(peers);
        speaker.SetOriginated((originated ?? []).Select(IPNetwork.Parse));
        await speaker.StartAsync();
        return speaker;
    }

    public static bool HasRoute(this BgpSpeaker speaker, string prefix, string? nextHop = null)
        => speaker.LocRib.Any(r => r.Prefix.Equals(IPNetwork.Parse(prefix))
            && (nextHop is null || r.NextHops.Contains(IPAddress.Parse(nextHop))));

    public static string Describe(this BgpSpeaker speaker)
        => string.Join('\n', speaker.Peers.Select(p => $"{p.Address} {p.State} since {p.Since:HH:mm:ss} rx {p.PrefixesReceived} acc {p.PrefixesAccepted} tx {p.PrefixesAdvertised} {p.Info}"))
           + "\nLoc-RIB: " + string.Join(", ", speaker.LocRib.Select(r => $"{r.Prefix} via {string.Join('/', r.NextHops)}"));

    public static Task WaitEstablishedAsync(this BgpSpeaker speaker, int peers = 1, int seconds = 15)
        => Eventually.AssertAsync(() => speaker.Peers.Count(p => p.State == BgpState.Established) >= peers,
            TimeSpan.FromSeconds(seconds), $"{peers} session(s) Established", speaker.Describe);

    public static Task WaitRouteAsync(this BgpSpeaker speaker, string prefix, string? nextHop = null, int seconds = 15)
        => Eventually.AssertAsync(() => speaker.HasRoute(prefix, nextHop), TimeSpan.FromSeconds(seconds),
            $"{prefix} via {nextHop ?? "any"} in our Loc-RIB", speaker.Describe);

    public static Task WaitBirdRouteAsync(this BirdPeer bird, string prefix, string expect, int seconds = 15)
        => Eventually.AssertAsync(() => bird.Routes(prefix).Contains(expect), TimeSpan.FromSeconds(seconds),
            $"BIRD shows {prefix} with '{expect}'", () => bird.Routes() + "\n" + bird.Birdc("show", "protocols", "all"));
}
