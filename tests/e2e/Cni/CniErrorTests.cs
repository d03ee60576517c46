using L3Net.Testing;
using Xunit;

namespace L3Net.Tests.E2e.Cni;

/// <summary>Every failure answers the spec's error JSON with its code, and leaves nothing allocated behind.</summary>
[Collection(CniHarness.Collection)]
public sealed class CniErrorTests
{
    [Fact]
    public async Task Bad_input_gets_the_spec_error_codes()
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        var garbage = await h.RunAsync("{not json", h.Env("ADD", "c1", pod));
        Assert.Equal(6, garbage.ErrorCode);
        Assert.Equal(6, garbage.ExitCode);

        var env = h.Env("ADD", "c1", pod);
        env.Remove("CNI_NETNS");
        var missing = await h.RunAsync(h.Conf(), env);
        Assert.Equal(4, missing.ErrorCode);
        Assert.Contains("CNI_NETNS", missing.Json["msg"]!.GetValue<string>());

        var unknown = h.Run("ADD", "c1", pod, conf: h.Conf(version: "9.9.9"));
        Assert.Equal(1, unknown.ErrorCode);

        var version = h.Run("VERSION", "", null).Ok();
        Assert.Contains("1.1.0", version.Json["supportedVersions"]!.ToJsonString());

        var down = h.Run("ADD", "c1", pod, conf: h.Conf().Replace(h.DatastoreUrl, "sqlite:///proc/l3net-absent/x.db"));
        Assert.Equal(11, down.ErrorCode);

        Assert.Empty(h.CaliLinks());
        Assert.Empty(h.Allocations());
        Assert.DoesNotContain("eth0", pod.Ip("link", "show"));
    }

    [Fact]
    public async Task A_plugin_installed_without_its_SQLite_library_says_which_file_is_missing()
    {
        using var h = new CniHarness();
        var pod = h.AddPod("p");
        var alone = Directory.CreateTempSubdirectory("l3net-cni-alone-");
        try
        {
            var binary = Path.Combine(alone.FullName, "l3net");
            File.Copy(CniHarness.Binary, binary);
            var reply = await h.RunAsync(h.Conf(), h.Env("ADD", "c1", pod), binary);
            Assert.NotEqual(0, reply.ExitCode);
            Assert.Contains("libe_sqlite3.so", reply.Json["msg"]!.GetValue<string>());
            Assert.Empty(h.CaliLinks());
        }
        finally
        {
            alone.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_exhausted_pool_fails_with_nothing_left_allocated()
    {
        using var h = new CniHarness();
        h.AddPool("tiny", "10.78.0.0/30", 30);
        var conf = h.Conf(pools: "tiny");
        var pods = Enumerable.Range(0, 5).Select(i => h.AddPod($"t{i}")).ToList();
        var ok = 0;
        CniRun? failed = null;
        for (var i = 0; i < pods.Count && failed is null; i++)
        {
            var r = h.Run("ADD", $"t{i}", pods[i], conf);
            if (r.ExitCode == 0) ok++; else failed = r;
        }
        Assert.NotNull(failed);
        Assert.Equal(100, failed.ErrorCode);
        Assert.Contains("exhausted", failed.Json["msg"]!.GetValue<string>());
        Assert.Equal(ok, h.Allocations().Count);
        Assert.Equal(ok, h.CaliLinks().Count);
        Assert.DoesNotContain("eth0", pods[ok].Ip("link", "show"));
    }

    [Fact]
    public void As_l3net_ipam_it_hands_out_and_frees_addresses_only()
    {
        using var h = new CniHarness();
        var conf = h.Conf(type: "l3net-ipam");
        var add = h.Run("ADD", "i1", h.AddPod("p"), conf).Ok();
        Assert.Null(add.Json["interfaces"]?.AsArray().FirstOrDefault());
        Assert.StartsWith("10.77.0.", CniHarness.PodAddress(add));
        Assert.Empty(h.CaliLinks());
        Assert.Single(h.Allocations());

        var gc = h.Conf(type: "l3net-ipam", version: "1.1.0", extra: ",\"cni.dev/valid-attachments\":[]");
        h.Run("GC", "", null, gc).Ok();
        Assert.Empty(h.Allocations());
        h.Run("STATUS", "", null, gc).Ok();
    }
}
