using System.Text;
using L3Net.Cni;
using Xunit;

namespace L3Net.Tests.Fuzz;

/// <summary>Crashes the CNI target found: a prevResult that JSON allows but no plugin writes crashed CHECK (and ADD's
/// chaining) with FormatException or NullReferenceException; it is now an invalid-config error naming the field.</summary>
public sealed class CniRegressionTests
{
    [Theory]
    [InlineData("""{"ips": [{"address": "10.22*0.2/24"}]}""", "prevResult.ips[0].address: '10.22*0.2/24' is not an IP address or CIDR")]
    [InlineData("""{"ips": [{"address": "10.22.0.2/33"}]}""", "prevResult.ips[0].address: '10.22.0.2/33' is not an IP address or CIDR")]
    [InlineData("""{"ips": null}""", "prevResult.ips: null is not a list")]
    [InlineData("""{"ips": [{"address": "10.22.0.2/24"}, null]}""", "prevResult.ips[1]: null entry")]
    [InlineData("""{"interfaces": [null]}""", "prevResult.interfaces[0]: null entry")]
    [InlineData("""{"routes": null}""", "prevResult.routes: null is not a list")]
    public void A_malformed_prevResult_is_an_invalid_config_naming_the_field(string prevResult, string expected)
    {
        var conf = NetConfReader.Parse(Config(prevResult), allowEmpty: false);
        var e = Assert.Throws<CniException>(() => NetConfReader.Validate(conf, "CHECK"));
        Assert.Equal(CniCodes.InvalidConfig, e.Code);
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void The_prevResult_of_the_reference_ptp_plugin_is_accepted()
    {
        var conf = NetConfReader.Parse(Config("""{"interfaces": [{"name": "eth0"}], "ips": [{"interface": 0, "address": "10.22.0.2/24", "gateway": "10.22.0.1"}], "dns": {}}"""), false);
        NetConfReader.Validate(conf, "CHECK");
        Assert.Equal("10.22.0.2", Assert.Single(Results.AddressesOf(conf.PrevResult!)).ToString());
    }

    [Fact]
    public void Del_succeeds_whatever_the_prevResult_holds()
        => NetConfReader.Validate(NetConfReader.Parse(Config("""{"ips": null}"""), false), "DEL");

    private static byte[] Config(string prevResult) =>
        Encoding.UTF8.GetBytes($$"""{"cniVersion": "1.0.0", "name": "k8s-pod-network", "type": "l3net", "prevResult": {{prevResult}}}""");
}
