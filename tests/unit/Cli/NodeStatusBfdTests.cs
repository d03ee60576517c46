using L3Net.Cli;
using L3Net.Cli.NodeStatus;
using L3Net.Model.Status;
using Xunit;

namespace L3Net.Tests.Unit.Cli;

public sealed class NodeStatusBfdTests
{
    private static string Write(NodeStatusReport report)
    {
        var output = new StringWriter();
        NodeCommands.Write(report, wide: false, new CliConsole(output, TextWriter.Null, TextReader.Null, OutIsTerminal: false));
        return output.ToString();
    }

    [Fact]
    public void Lists_each_peers_BFD_state_and_timers()
    {
        var report = new NodeStatusReport { Node = "n1" };
        report.Peers.Add(new BgpPeerStatus
        {
            PeerAddress = "10.0.0.1", PeerType = "global", State = "Established", Info = "Established",
            Bfd = new BfdPeerStatus { State = "Up", RemoteState = "Up", Diagnostic = "None", MinRxMs = 300, MinTxMs = 300, Multiplier = 3, TransmitIntervalMs = 300, DetectionTimeMs = 900 },
        });
        report.Peers.Add(new BgpPeerStatus
        {
            PeerAddress = "10.0.0.5", PeerType = "global", State = "Established", Info = "Established",
            Bfd = new BfdPeerStatus { State = "Down", RemoteState = "AdminDown", Diagnostic = "NeighborSignaledSessionDown", MinRxMs = 100, MinTxMs = 100, Multiplier = 5, TransmitIntervalMs = 1000 },
        });
        report.Peers.Add(new BgpPeerStatus { PeerAddress = "10.0.0.9", PeerType = "global", State = "Established", Info = "Established" });
        Assert.Contains("""
            BFD status
            PEER ADDRESS   STATE                   SINCE   DIAGNOSTIC                    MIN RX   MIN TX   MULTIPLIER   TX INTERVAL   DETECT TIME
            10.0.0.1       Up                      -       None                          300ms    300ms    3            300ms         900ms
            10.0.0.5       Down (peer AdminDown)   -       NeighborSignaledSessionDown   100ms    100ms    5            1000ms        -
            """, Write(report).Replace("\r", ""));
        Assert.DoesNotContain("10.0.0.9 ", Write(report)[Write(report).IndexOf("BFD status", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Shows_no_BFD_section_without_BFD_peers()
    {
        var report = new NodeStatusReport { Node = "n1" };
        report.Peers.Add(new BgpPeerStatus { PeerAddress = "10.0.0.9", PeerType = "global", State = "Established", Info = "Established" });
        Assert.DoesNotContain("BFD", Write(report));
    }
}
