using L3Net.Bfd.Wire;
using Xunit;

namespace L3Net.Tests.Unit.Bfd;

public sealed class ControlPacketTests
{
    private static readonly ControlPacket Sample = new()
    {
        Diagnostic = BfdDiagnostic.NeighborSignaledSessionDown,
        State = BfdState.Up,
        Poll = true,
        DetectMultiplier = 3,
        MyDiscriminator = 0x01020304,
        YourDiscriminator = 0xa0b0c0d0,
        DesiredMinTxUs = 300_000,
        RequiredMinRxUs = 250_000,
    };

    private static byte[] Bytes(ControlPacket p)
    {
        var b = new byte[ControlPacket.Length];
        p.WriteTo(b);
        return b;
    }

    [Fact]
    public void Writes_the_RFC_5880_layout_and_reads_it_back()
    {
        var b = Bytes(Sample);
        // version 1, diag 3; state Up (3) << 6 | P; mult; length 24; then the five 32-bit fields big-endian.
        Assert.Equal(new byte[] { 0x23, 0xe0, 3, 24, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 0, 0x04, 0x93, 0xe0, 0, 0x03, 0xd0, 0x90, 0, 0, 0, 0 }, b);
        Assert.True(ControlPacket.TryParse(b, out var back, out var error), error);
        Assert.Equal(Sample, back);
    }

    public static TheoryData<string, Action<byte[]>, string> Discards() => new()
    {
        { "version 0", b => b[0] &= 0x1f, "version 0" },
        { "length field short", b => b[3] = 23, "length field 23" },
        { "length field past the datagram", b => b[3] = 40, "exceeds the datagram" },
        { "multiplier zero", b => b[2] = 0, "detect multiplier is zero" },
        { "multipoint", b => b[1] |= 0x01, "multipoint" },
        { "My Discriminator zero", b => b.AsSpan(4, 4).Clear(), "My Discriminator is zero" },
        { "Your Discriminator zero while Up", b => b.AsSpan(8, 4).Clear(), "Your Discriminator is zero in state Up" },
        { "authentication", b => b[1] |= 0x04, "authentication" },
        { "Poll and Final", b => b[1] |= 0x10, "both Poll and Final" },
    };

    [Theory]
    [MemberData(nameof(Discards))]
    public void Discards_what_6_8_6_discards(string what, Action<byte[]> corrupt, string reason)
    {
        var b = Bytes(Sample);
        corrupt(b);
        Assert.False(ControlPacket.TryParse(b, out _, out var error), what);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Discards_a_datagram_shorter_than_a_packet()
    {
        Assert.False(ControlPacket.TryParse(Bytes(Sample).AsSpan(0, 20), out _, out var error));
        Assert.Contains("shorter than a control packet", error);
    }

    [Fact]
    public void Accepts_Your_Discriminator_zero_in_Down()
    {
        var b = Bytes(Sample with { State = BfdState.Down, YourDiscriminator = 0, Poll = false });
        Assert.True(ControlPacket.TryParse(b, out var p, out var error), error);
        Assert.Equal(BfdState.Down, p.State);
    }
}
