using L3Net.Bgp;
using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// The interop matrix, the same for every router: eBGP and iBGP, IPv4 and IPv6 (RFC 2545 next hops), a four-octet
/// ASN on our side, and TCP MD5. Each case checks the routes on both sides, then a withdrawal. One router per class
/// serves every case (see <see cref="InteropRouter"/>); each case brings its own speaker on its own address.
/// </summary>
public abstract class InteropTests<TRouter>(TRouter router) : IClassFixture<TRouter> where TRouter : InteropRouter
{
    [Theory]
    [InlineData("ebgp-v4")]
    [InlineData("ibgp-v4")]
    [InlineData("ebgp-as4")]
    [InlineData("ebgp-v6")]
    [InlineData("ibgp-v6")]
    public async Task Routes_flow_both_ways_and_a_withdrawal_follows(string name)
    {
        var s = InteropSession.Named(name);
        await router.ReadyAsync();
        await using var speaker = await router.StartSpeakerAsync(s);

        await speaker.WaitRouteAsync(s.RouterPrefix, s.RouterAddress);
        await router.WaitRouteAsync(s.Originated, s.SpeakerAddress);
        if (s.V6 && router.HasLinkLocalNextHop(s.Originated) is { } linkLocal)
            Assert.True(linkLocal, "RFC 2545: no link-local next hop for an on-link peer\n" + router.Route(s.Originated));
        if (!s.Ibgp)
            Assert.Contains(s.SpeakerAs.ToString(System.Globalization.CultureInfo.InvariantCulture), router.Route(s.Originated));

        speaker.SetOriginated([]);
        await Eventually.AssertAsync(() => !router.HasRoute(s.Originated, s.SpeakerAddress), TimeSpan.FromSeconds(10),
            "the router dropping the withdrawn prefix", router.Describe);
    }

    [Fact]
    public async Task MD5_session_comes_up_with_the_right_password_only_and_through_our_listening_socket()
    {
        var s = InteropSession.Named("md5-v4");
        await router.ReadyAsync();
        var wrong = s.Peer() with { Password = "wrong" };
        await using var speaker = await router.StartSpeakerAsync(s, wrong);

        Assert.False(await Eventually.HoldsAsync(() => speaker.Peers.Single().State == BgpState.Established || router.IsEstablished(s),
            TimeSpan.FromSeconds(3)), "a session with the wrong MD5 key came up");
        // Passive: the only way up is the router's signed SYN reaching our listening socket, which must hold the key.
        speaker.SetPeers([s.Peer() with { Passive = true }]);
        await speaker.WaitEstablishedAsync();
        await speaker.WaitRouteAsync(s.RouterPrefix, s.RouterAddress);
        await router.WaitRouteAsync(s.Originated, s.SpeakerAddress);
    }
}

public sealed class BirdInteropTests(BirdRouter router) : InteropTests<BirdRouter>(router);

public sealed class FrrInteropTests(FrrRouter router) : InteropTests<FrrRouter>(router);

public sealed class GoBgpInteropTests(GoBgpRouter router) : InteropTests<GoBgpRouter>(router);
