using L3Net.Testing;

namespace L3Net.Tests.E2e.Bgp;

/// <summary>
/// The fabric every BGP e2e test starts from: a "tor" namespace for the real router (or raw peer) and a "node"
/// namespace for our speaker, joined by one veth carrying 10.0.0.0/24 and fd00::/64. The router is .1 / ::1; the
/// node has <c>nodeAddresses</c> addresses of each family from .2 / ::2 up, so one router can peer with several
/// speakers at once (one per address). More namespaces can be added through <see cref="Network"/>.
/// </summary>
public sealed class PeeringFabric : IDisposable
{
    public const string TorV4 = "10.0.0.1", TorV6 = "fd00::1";

    public PeeringFabric(int nodeAddresses = 1)
    {
        Network = new TestNetwork();
        Tor = Network.AddHost("tor");
        Node = Network.AddHost("node");
        Network.Link(Tor, $"{TorV4}/24", Node, $"{NodeV4(0)}/24");
        Tor.Ip("-6", "addr", "add", $"{TorV6}/64", "dev", "node", "nodad");
        for (var i = 0; i < nodeAddresses; i++)
        {
            if (i > 0)
                Node.Ip("addr", "add", $"{NodeV4(i)}/24", "dev", "tor");
            Node.Ip("-6", "addr", "add", $"{NodeV6(i)}/64", "dev", "tor", "nodad");
        }
    }

    public TestNetwork Network { get; }
    public NetnsHost Tor { get; }
    public NetnsHost Node { get; }

    public static string NodeV4(int index) => $"10.0.0.{index + 2}";
    public static string NodeV6(int index) => $"fd00::{index + 2:x}";

    public void Dispose() => Network.Dispose();
}
