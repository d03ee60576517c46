using System.Net;
using L3Net.Cli;
using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Integration.Cli;

/// <summary><c>ipam show|check|release</c> on addresses assigned by the real IPAM service. Subclasses pick the
/// datastore backend, so every command is proved on each.</summary>
public abstract class IpamCommandTests : IAsyncLifetime
{
    private readonly ITestDatastore _datastore;

    protected IpamCommandTests(ITestDatastore datastore) => _datastore = datastore;

    private Task<CliResult> Run(params string[] args) => CliRunner.RunAsync([.. args, "--datastore", _datastore.Config]);

    /// <summary>Two pools; node-1 holds two addresses (one of them leaked: no workload endpoint), node-2 one.</summary>
    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = DatastoreFactory.Open(_datastore.Config);
        var resources = new ResourceStore(store);
        await resources.CreateAsync(new IPPool { Metadata = { Name = "pool-a" }, Spec = { Cidr = "10.244.0.0/24", BlockSize = 26 } }, ct);
        await resources.CreateAsync(new IPPool { Metadata = { Name = "pool-b" }, Spec = { Cidr = "10.245.0.0/16" } }, ct);
        var ipam = new IpamService(store);
        foreach (var (handle, node) in new[] { ("net.c1", "node-1"), ("net.c2", "node-1"), ("net.c3", "node-2") })
        {
            await ipam.AutoAssignAsync(new AutoAssignRequest
            {
                Handle = handle, Node = node, Pools = ["pool-a"],
                Attributes = new Dictionary<string, string> { ["pod"] = "pod-" + handle[^2..], ["namespace"] = "default" },
            }, ct);
            if (handle != "net.c2")
                await resources.CreateAsync(new WorkloadEndpoint
                {
                    Metadata = { Name = $"{node}-pod-{handle[^2..]}-eth0", Namespace = "default" },
                    Spec = { Node = node, Pod = "pod-" + handle[^2..], Network = "net", ContainerId = handle[4..], InterfaceName = "cali0" },
                }, ct);
        }
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _datastore.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Show_prints_pool_usage()
    {
        var r = await Run("ipam", "show");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            GROUPING   CIDR            IPS TOTAL   IPS IN USE   IPS FREE
            IP Pool    10.244.0.0/24   256         3 (1%)       253 (99%)
            IP Pool    10.245.0.0/16   65536       0 (0%)       65536 (100%)

            """, r.Out);
    }

    [Fact]
    public async Task Show_blocks_lists_each_block_with_its_affinity()
    {
        var r = await Run("ipam", "show", "--show-blocks");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            GROUPING   CIDR              AFFINITY   IPS TOTAL   IPS IN USE   IPS FREE
            IP Pool    10.244.0.0/24                256         3 (1%)       253 (99%)
            Block      10.244.0.128/26   node-2     64          1 (2%)       63 (98%)
            Block      10.244.0.192/26   node-1     64          2 (3%)       62 (97%)
            IP Pool    10.245.0.0/16                65536       0 (0%)       65536 (100%)

            """, r.Out);
    }

    [Fact]
    public async Task Show_ip_names_the_holder()
    {
        var blocks = await Blocks();
        var held = blocks.SelectMany(b => b.Allocations).Single(a => a.Handle == "net.c3");
        var r = await Run("ipam", "show", "--ip", held.Address.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            IP 10.244.0.128 is in use.
              handle:   net.c3
              node:     node-2
              block:    10.244.0.128/26 (affinity node-2)
              assigned: <time>
              attrs:    namespace=default, pod=pod-c3

            """, Timeless(r.Out));

        var free = await Run("ipam", "show", "--ip", "10.244.0.250");
        Assert.Equal("IP 10.244.0.250 is not assigned (pool pool-a).\n", free.Out);
        var outside = await Run("ipam", "show", "--ip", "192.0.2.1");
        Assert.Equal("IP 192.0.2.1 is not in any IP pool.\n", outside.Out);
    }

    [Fact]
    public async Task Check_reports_the_leak_with_exit_code_9_and_fix_repairs_it()
    {
        var r = await Run("ipam", "check", "--grace", "0s");
        Assert.Equal((int)ExitCode.ProblemsFound, r.ExitCode);
        Assert.Equal("""
            Checked 2 block(s) holding 3 address(es); grace period 0s.

            Leaked addresses (no workload endpoint uses the handle):
            ADDRESS        HANDLE   NODE     ASSIGNED
            10.244.0.193   net.c2   node-1   <time>

            Found 1 problem(s).
            Run 'l3netctl ipam check --fix' to repair them.

            """, Timeless(r.Out));

        var young = await Run("ipam", "check", "--grace", "1h");
        Assert.True(young.ExitCode == 0, young.ToString());

        var fix = await Run("ipam", "check", "--grace", "0s", "--fix");
        Assert.True(fix.ExitCode == 0, fix.ToString());
        Assert.Contains("Fixed: 1 address(es) released", fix.Out);
        Assert.EndsWith("No problems remain.\n", fix.Out);
        Assert.DoesNotContain((await Blocks()).SelectMany(b => b.Allocations), a => a.Handle == "net.c2");
    }

    [Fact]
    public async Task Release_frees_one_address_and_refuses_an_unassigned_one()
    {
        var held = (await Blocks()).SelectMany(b => b.Allocations).Single(a => a.Handle == "net.c1");
        var r = await Run("ipam", "release", "--ip", held.Address.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"Released IP {held.Address}.\n", r.Out);
        Assert.DoesNotContain((await Blocks()).SelectMany(b => b.Allocations), a => a.Address.Equals(held.Address));

        var again = await Run("ipam", "release", "--ip", held.Address.ToString());
        Assert.Equal((int)ExitCode.NotFound, again.ExitCode);
        Assert.Equal($"error: IP {held.Address} is not assigned\n", again.Err);
    }

    [Fact]
    public async Task Bad_addresses_and_durations_are_usage_errors()
    {
        var r = await Run("ipam", "release", "--ip", "10.244.0.999");
        Assert.Equal((int)ExitCode.Usage, r.ExitCode);
        Assert.StartsWith("error: '10.244.0.999' is not an IP address\n", r.Err);
        var missing = await Run("ipam", "release");
        Assert.Equal((int)ExitCode.Usage, missing.ExitCode);
        var grace = await Run("ipam", "check", "--grace", "soon");
        Assert.Equal((int)ExitCode.Usage, grace.ExitCode);
        Assert.StartsWith("error: 'soon' is not a duration", grace.Err);
    }

    /// <summary>Assignment times are the test's own run time: golden text shows them as &lt;time&gt;.</summary>
    private static string Timeless(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", "<time>");

    private async Task<IReadOnlyList<BlockInfo>> Blocks()
    {
        await using var store = DatastoreFactory.Open(_datastore.Config);
        return await new IpamService(store).ListBlocksAsync(TestContext.Current.CancellationToken);
    }
}

public sealed class SqliteIpamCommandTests() : IpamCommandTests(new TempSqliteDatastore());
