using System.Security.Cryptography;
using L3Net.Cni;
using Xunit;

namespace L3Net.Tests.Unit.Cni;

public sealed class HostInterfaceNameTests
{
    [Fact]
    public void The_managed_sha1_matches_the_platform_one_across_every_padding_boundary()
    {
        // Lengths 0..200 cover the one-block and two-block paddings (55/56 bytes, 119/120 bytes) and several blocks.
        for (var length = 0; length <= 200; length++)
        {
            var data = Enumerable.Range(0, length).Select(i => (byte)(i * 31 + length)).ToArray();
            var ours = new byte[Sha1.HashSizeInBytes];
            Sha1.HashData(data, ours);
#pragma warning disable CA5350 // the reference the managed SHA-1 is checked against
            Assert.Equal(Convert.ToHexString(SHA1.HashData(data)), Convert.ToHexString(ours));
#pragma warning restore CA5350
        }
    }

    [Fact]
    public void A_pod_gets_Calicos_host_interface_name()
    {
        // `printf default.nginx | sha1sum` = c440f455693b69cdd48a37aa5ecd78038f50413d
        Assert.Equal("calic440f455693", HostInterfaceName.For("default.nginx"));
    }
}
