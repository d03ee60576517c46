using L3Net.Lab;
using Xunit;

namespace L3Net.Tests.Unit.Lab;

public sealed class PingStreamTests
{
    private static string Output(int sent, params int[] received)
        => string.Join('\n', received.Select(seq => $"[{1000 + seq * 0.01:0.000000}] 64 bytes from 10.244.1.2: icmp_seq={seq} ttl=61 time=0.120 ms"))
           + $"\n\n--- 10.244.1.2 ping statistics ---\n{sent} packets transmitted, {received.Length} received, 10% packet loss, time 100ms\n";

    [Fact]
    public void The_recovery_is_the_first_reply_after_the_gap_the_fault_opened()
    {
        // Sent every 10 ms from t=1000.01; the fault at 1000.305; seq 31..50 lost, seq 51 back at 1000.51.
        var stream = PingStream.Parse(Output(100, [.. Enumerable.Range(1, 30), .. Enumerable.Range(51, 50)]));
        Assert.Equal((100, 80), (stream.Sent, stream.Received));
        Assert.Equal(205, stream.RecoveryMs(1000.305)!.Value, precision: 3);
    }

    [Fact]
    public void No_loss_after_the_fault_is_zero_and_a_stream_that_ends_in_the_gap_did_not_recover()
    {
        Assert.Equal(0, PingStream.Parse(Output(10, [.. Enumerable.Range(1, 10)])).RecoveryMs(1000.05));
        Assert.Null(PingStream.Parse(Output(10, [.. Enumerable.Range(1, 5)])).RecoveryMs(1000.03));
        // A gap before the fault is not the fault's.
        Assert.Equal(0, PingStream.Parse(Output(10, [1, 2, 5, 6, 7, 8, 9, 10])).RecoveryMs(1000.06));
    }

    [Fact]
    public void Output_without_a_summary_is_a_format_error()
        => Assert.Throws<FormatException>(() => PingStream.Parse("ping: connect: Network is unreachable"));
}
