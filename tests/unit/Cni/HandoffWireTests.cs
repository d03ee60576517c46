using System.Buffers.Binary;
using System.Text;
using L3Net.Cni.Handoff;
using Xunit;

namespace L3Net.Tests.Unit.Cni;

/// <summary>The framing the plugin and the node daemon share: what one encodes the other decodes, and anything else
/// arriving on the socket is refused by name before it reaches the plugin's logic.</summary>
public sealed class HandoffWireTests
{
    private static readonly byte[] Conf = """{"cniVersion":"1.0.0","name":"n"}"""u8.ToArray();

    [Fact]
    public void A_request_decodes_to_what_was_encoded()
    {
        var environment = new Dictionary<string, string> { ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "c1", ["CNI_ARGS"] = "K8S_POD_NAME=pö" };

        var decoded = HandoffWire.DecodeRequest(Payload(HandoffWire.EncodeRequest(new HandoffRequest("/opt/cni/bin/l3net-ipam", environment, Conf))));

        Assert.Equal("/opt/cni/bin/l3net-ipam", decoded.InvokedAs);
        Assert.Equal(environment, decoded.Environment);
        Assert.Equal(Conf, decoded.Stdin);
    }

    [Fact]
    public void A_reply_decodes_to_what_was_encoded()
    {
        var decoded = HandoffWire.DecodeReply(Payload(HandoffWire.EncodeReply(new HandoffReply(11, Conf))));

        Assert.Equal(11, decoded.ExitCode);
        Assert.Equal(Conf, decoded.Stdout);
    }

    [Fact]
    public void The_attachment_is_the_container_and_the_interface()
    {
        var request = new HandoffRequest("l3net", new Dictionary<string, string> { ["CNI_CONTAINERID"] = "c1", ["CNI_IFNAME"] = "eth0" }, []);

        Assert.Equal("c1/eth0", request.Attachment);
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0, 0 }, "version 2")]
    [InlineData(new byte[] { 1, 0, 0, 0, 7 }, "7 variables")]
    [InlineData(new byte[] { 1, 0xff, 0xff, 0xff, 0xff }, "-1 variables")]
    [InlineData(new byte[] { 1, 0, 0, 0, 1, 0, 0 }, "truncated")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, "negative length")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xc3 }, "not UTF-8")]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 }, "1 bytes after the end")]
    public void A_malformed_request_is_refused_by_name(byte[] payload, string expected)
    {
        var e = Assert.Throws<HandoffFormatException>(() => HandoffWire.DecodeRequest(payload));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LD_PRELOAD", "not a CNI variable")]
    [InlineData("CNI_COMMAND", "given twice")]
    public void A_request_carries_only_the_CNI_variables_once_each(string second, string expected)
    {
        using var body = new MemoryStream();
        body.WriteByte(1);
        Int(body, 2);
        foreach (var name in (string[])["CNI_COMMAND", second])
        {
            Bytes(body, Encoding.UTF8.GetBytes(name));
            Bytes(body, "x"u8.ToArray());
        }
        Bytes(body, "l3net"u8.ToArray());
        Bytes(body, Conf);

        var e = Assert.Throws<HandoffFormatException>(() => HandoffWire.DecodeRequest(body.ToArray()));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frame_longer_than_the_bound_is_refused_before_it_is_read()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, HandoffWire.MaxFrame + 1);

        Assert.Throws<HandoffFormatException>(() => HandoffWire.FrameLength(header));
        Assert.Throws<HandoffFormatException>(() => HandoffWire.ReadFrame(new MemoryStream([.. header, 0])));
    }

    private static byte[] Payload(byte[] frame)
    {
        Assert.Equal(frame.Length - 4, HandoffWire.FrameLength(frame));
        return HandoffWire.ReadFrame(new MemoryStream(frame));
    }

    private static void Int(Stream s, int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        s.Write(bytes);
    }

    private static void Bytes(Stream s, byte[] value)
    {
        Int(s, value.Length);
        s.Write(value);
    }
}
