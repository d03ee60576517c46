using L3Net.Felix.Ipsets;
using Xunit;

namespace L3Net.Tests.Unit.Felix;

public sealed class IpsetTests
{
    [Fact]
    public void Members_take_the_form_ipset_save_prints()
    {
        var set = new IpSet("l3n-x", false, ["10.0.0.5/32", "10.1.0.0/16", "10.1.2.0/24 nomatch", "fd00::1/128"]);
        Assert.True(set.Members.SetEquals(["10.0.0.5", "10.1.0.0/16", "10.1.2.0/24 nomatch", "fd00::1"]));
        var ports = new IpSet("l3n-np6-x", true, ["fd00:0::0005,TCP:8080", "fd00::6,sctp:80"], IpSetType.IpPort);
        Assert.True(ports.Members.SetEquals(["fd00::5,tcp:8080", "fd00::6,sctp:80"]));
    }

    [Fact]
    public void Save_output_is_read_back_for_our_sets_only()
    {
        var sets = IpsetApplier.Parse("""
            create l3n-x hash:net family inet hashsize 1024 maxelem 65536
            add l3n-x 10.2.0.5
            add l3n-x 10.1.0.0/16 nomatch
            create other hash:ip family inet
            add other 1.2.3.4
            create l3n-empty hash:net family inet
            create l3n-np6-x hash:ip,port family inet6 hashsize 1024 maxelem 65536
            add l3n-np6-x fd00::5,tcp:8080
            """);
        Assert.Equal(["l3n-empty", "l3n-np6-x", "l3n-x"], sets.Keys.Order());
        Assert.Equal(["fd00::5,tcp:8080"], sets["l3n-np6-x"]);
        Assert.True(sets["l3n-x"].SetEquals(["10.2.0.5", "10.1.0.0/16 nomatch"]));
        Assert.Empty(sets["l3n-empty"]);
    }

    [Fact]
    public void Names_outside_our_prefix_or_too_long_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new IpSet("KUBE-x", false, []));
        Assert.Throws<ArgumentException>(() => new IpSet("l3n-" + new string('a', 28), false, []));
    }
}
