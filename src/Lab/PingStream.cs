using System.Globalization;
using System.Text.RegularExpressions;

namespace L3Net.Lab;

/// <summary>The output of a timed ping stream (<c>ping -D -i 0.01 -c N</c>): packets sent and received, and each
/// reply's sequence number and arrival time (Unix seconds), from which the outage a fault caused is read.</summary>
public sealed partial record PingStream(int Sent, int Received, IReadOnlyList<(int Seq, double At)> Replies)
{
    public static PingStream Parse(string output)
    {
        var replies = Reply().Matches(output)
            .Select(m => (Seq: int.Parse(m.Groups["seq"].Value, CultureInfo.InvariantCulture), At: double.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture)))
            .DistinctBy(r => r.Seq).OrderBy(r => r.Seq).ToList();
        var summary = Summary().Match(output);
        return summary.Success
            ? new PingStream(int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture), replies)
            : throw new FormatException($"no ping summary line in: {output[..Math.Min(200, output.Length)]}");
    }

    /// <summary>Milliseconds from <paramref name="faultAt"/> to the first reply that follows a gap in the sequence
    /// after the fault: 0 when no packet was lost after it, null when the stream ended inside the gap.</summary>
    public double? RecoveryMs(double faultAt)
    {
        if (Replies.Count == 0 || Replies[^1].Seq < Sent)
            return null;
        for (var k = 1; k < Replies.Count; k++)
        {
            if (Replies[k].At >= faultAt && Replies[k].Seq > Replies[k - 1].Seq + 1)
                return Math.Max(0, (Replies[k].At - faultAt) * 1000);
        }
        return 0;
    }

    [GeneratedRegex(@"^\[(?<at>\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(?<seq>\d+)", RegexOptions.Multiline)]
    private static partial Regex Reply();

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex Summary();
}
