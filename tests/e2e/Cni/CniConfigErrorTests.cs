using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>"Invalid network config" (7) is the answer for the configuration's own faults, each named.</summary>
[Collection(CniHarness.Collection)]
public sealed class CniConfigErrorTests
{
    [Theory]
    [InlineData("\"datastore\":\"sqlite://relative.db\"", "datastore")]
    [InlineData("\"nodename\":\" \"", "nodename")]
    public void A_bad_field_is_invalid_config_naming_the_field(string field, string name)
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        // The field replaces the harness's own: the original key is renamed out of the way, the bad one goes first.
        var conf = h.Conf().Replace($"\"{name}\":", $"\"ignored-{name}\":", StringComparison.Ordinal);
        conf = conf.Insert(conf.IndexOf('{') + 1, field + ",");

        var reply = h.Run("ADD", "c1", pod, conf);

        Assert.Equal(7, reply.ErrorCode);
        Assert.Contains(name, reply.Json["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(h.Allocations());
        Assert.Empty(h.CaliLinks());
    }
}
