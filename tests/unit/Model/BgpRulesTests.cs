using L3Net.Model.Resources;
using L3Net.Model.Validation;
using Xunit;

namespace L3Net.Tests.Unit.Model;

/// <summary>Every BGP field either works or is refused at apply with the field named (issue 18).</summary>
public sealed class BgpRulesTests
{
    private static IReadOnlyList<string> Peer(Action<BGPPeerSpec> set)
    {
        var peer = new BGPPeer { Metadata = { Name = "tor" }, Spec = { PeerIp = "10.0.0.1", AsNumber = "65001" } };
        set(peer.Spec);
        return ResourceValidator.Validate(peer);
    }

    private static IReadOnlyList<string> Config(Action<BGPConfigurationSpec> set)
    {
        var config = new BGPConfiguration { Metadata = { Name = BGPConfiguration.DefaultName } };
        set(config.Spec);
        return ResourceValidator.Validate(config);
    }

    [Fact]
    public void Filters_are_names_of_BGPFilters()
    {
        Assert.Empty(Peer(s => s.Filters = ["allow-pods", "no-transit"]));
        Assert.Contains("spec.filters[1]: 'Not A Name' is not a BGPFilter name", Peer(s => s.Filters = ["ok", "Not A Name"]));
    }

    [Theory]
    [InlineData(100, "Warn", null, null)]
    [InlineData(100, "Disable", null, null)]
    [InlineData(100, "Restart", "30s", null)]
    [InlineData(100, null, "2m", null)]
    [InlineData(100, "Block", null, "spec.maxPrefixesAction: 'Block' is not one of Restart, Warn, Disable")]
    [InlineData(null, "Warn", null, "spec.maxPrefixesAction: needs spec.maxPrefixes")]
    [InlineData(100, "Warn", "30s", "spec.maxPrefixesRestartTime: only with spec.maxPrefixes and maxPrefixesAction Restart")]
    [InlineData(100, "Restart", "soon", "spec.maxPrefixesRestartTime: 'soon' is not a duration of at least 1s")]
    [InlineData(100, "Restart", "500ms", "spec.maxPrefixesRestartTime: '500ms' is not a duration of at least 1s")]
    public void The_prefix_limit_action_is_one_of_BIRDs_and_needs_the_limit(int? max, string? action, string? restart, string? error)
    {
        var errors = Peer(s => (s.MaxPrefixes, s.MaxPrefixesAction, s.MaxPrefixesRestartTime) = (max, action, restart));
        if (error is null)
            Assert.Empty(errors);
        else
            Assert.Contains(errors, e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("90s", "30s", null)]
    [InlineData("0s", null, null)]
    [InlineData("3s", "1s", null)]
    [InlineData("2s", null, "spec.holdTime")]          // RFC 4271: 0 or at least 3 s
    [InlineData("65536s", null, "spec.holdTime")]      // the OPEN carries 16 bits
    [InlineData("1.5s", null, "spec.holdTime")]        // whole seconds only
    [InlineData(null, "0s", "spec.keepaliveTime")]
    [InlineData("9s", "9s", "spec.keepaliveTime")]     // a keepalive needs a hold time above it
    [InlineData("0s", "10s", "spec.keepaliveTime")]    // hold 0 sends no keepalives
    [InlineData(null, "soon", "spec.keepaliveTime")]
    public void Hold_and_keepalive_times_follow_RFC_4271(string? hold, string? keepalive, string? field)
    {
        var errors = Peer(s => (s.HoldTime, s.KeepaliveTime) = (hold, keepalive));
        if (field is null)
            Assert.Empty(errors);
        else
            Assert.Contains(errors, e => e.StartsWith(field + ":"));
    }

    [Theory]
    [InlineData("120s", true)]
    [InlineData("4095s", true)]
    [InlineData("4096s", false)] // the capability's restart time has 12 bits
    [InlineData("2h", false)]
    public void Max_restart_time_fits_the_graceful_restart_capability(string time, bool ok)
        => Assert.Equal(ok, !Peer(s => s.MaxRestartTime = time).Any(e => e.StartsWith("spec.maxRestartTime:")));

    [Theory]
    [InlineData("65001:100", true)]
    [InlineData("4200000000:1:2", true)]
    [InlineData("65536:1", false)]      // a standard community's halves are 16 bits
    [InlineData("1:2:4294967296", false)] // a large community's parts are 32 bits
    [InlineData("1:2:3:4", false)]
    [InlineData("-1:2", false)]
    [InlineData("a:b", false)]
    public void Community_values_are_refused_by_field_when_out_of_range(string value, bool ok)
    {
        var errors = Config(s => s.Communities = [new Community { Name = "c", Value = value }]);
        Assert.Equal(ok, !errors.Any(e => e.StartsWith("spec.communities[0].value:")));
    }

    [Fact]
    public void A_prefix_advertisement_takes_names_and_literals_and_refuses_anything_else()
    {
        var errors = Config(s =>
        {
            s.Communities = [new Community { Name = "rack", Value = "65001:100" }];
            s.PrefixAdvertisements = [new PrefixAdvertisement { Cidr = "10.244.0.0/16", Communities = ["rack", "65001:7:8", "nosuch", "70000:1"] }];
        });
        Assert.Equal(
            ["spec.prefixAdvertisements[0].communities[2]", "spec.prefixAdvertisements[0].communities[3]"],
            errors.Select(e => e[..e.IndexOf(':')]));
    }
}
