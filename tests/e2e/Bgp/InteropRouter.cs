using System.Net;
using L3Net.Bgp;
using L3Net.Testing;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// A real router in the tor namespace of one <see cref="PeeringFabric"/>, configured for every
/// <see cref="InteropSession"/> and shared by all tests of a class (an xunit class fixture). Started on first use, after
/// the test's own <see cref="Requires"/> check, so a missing daemon skips (or under CI=true fails) the test itself.
/// </summary>
public abstract class InteropRouter : IDisposable
{
    private readonly SemaphoreSlim _start = new(1, 1);
    private PeeringFabric? _fabric;

    /// <summary>The daemon binary, for <see cref="Requires.Command"/>.</summary>
    public abstract string Daemon { get; }

    protected PeeringFabric Fabric => _fabric ?? throw new InvalidOperationException("router not started");

    public async Task ReadyAsync()
    {
        Requires.Netns();
        Requires.Command(Daemon);
        await _start.WaitAsync();
        try
        {
            if (_fabric is not null)
                return;
            var fabric = new PeeringFabric(nodeAddresses: 4);
            try
            {
                await StartAsync(fabric.Tor);
            }
            catch
            {
                fabric.Dispose();
                throw;
            }
            _fabric = fabric;
        }
        finally
        {
            _start.Release();
        }
    }

    /// <summary>Starts the daemon with a session per <see cref="InteropSession.All"/>, announcing
    /// <see cref="InteropSession.RouterPrefixV4"/> and <see cref="InteropSession.RouterPrefixV6"/> on every one.</summary>
    protected abstract Task StartAsync(NetnsHost tor);

    /// <summary>The router's best route for <paramref name="prefix"/> has next hop <paramref name="nextHop"/>.</summary>
    public abstract bool HasRoute(string prefix, string nextHop);

    /// <summary>The router's route for an IPv6 prefix carries a link-local next hop besides the global one (RFC 2545);
    /// null when this router does not show it.</summary>
    public abstract bool? HasLinkLocalNextHop(string prefix);

    /// <summary>The router's text for <paramref name="prefix"/> (AS path included).</summary>
    public abstract string Route(string prefix);

    public abstract bool IsEstablished(InteropSession session);

    public abstract string Describe();

    public Task<BgpSpeaker> StartSpeakerAsync(InteropSession s, PeerConfig? peer = null)
        => SpeakerFixture.StartAsync(Fabric.Node, s.SpeakerAs, s.RouterId, [peer ?? s.Peer()], [s.Originated],
            o => o with { ListenAddress = IPAddress.Parse(s.SpeakerAddress) });

    public Task WaitRouteAsync(string prefix, string nextHop)
        => Eventually.AssertAsync(() => HasRoute(prefix, nextHop), TimeSpan.FromSeconds(15),
            $"{GetType().Name} shows {prefix} via {nextHop}", Describe);

    public void Dispose()
    {
        _fabric?.Dispose();
        _start.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>An <see cref="InteropRouter"/> driving one launched daemon of type <typeparamref name="TPeer"/>.</summary>
public abstract class InteropRouter<TPeer>(string daemon) : InteropRouter where TPeer : class
{
    private TPeer? _peer;

    public override string Daemon => daemon;
    protected TPeer Peer => _peer ?? throw new InvalidOperationException($"{daemon} not started");

    protected override async Task StartAsync(NetnsHost tor) => _peer = await LaunchAsync(tor);

    /// <summary>Starts the daemon configured for every <see cref="InteropSession"/>.</summary>
    protected abstract Task<TPeer> LaunchAsync(NetnsHost tor);
}
