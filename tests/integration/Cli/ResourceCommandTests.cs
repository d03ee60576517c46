using L3Net.Cli;
using L3Net.Datastore;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Integration.Cli;

/// <summary>Resource CRUD through l3netctl on a real datastore; subclasses pick the backend.</summary>
public abstract class ResourceCommandTests(ITestDatastore datastore) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("l3netctl-manifests-").FullName;

    protected Task<CliResult> Run(params string[] args) => CliRunner.RunAsync([.. args, "--datastore", datastore.Config]);

    protected Task<CliResult> RunWithInput(string stdin, params string[] args) =>
        CliRunner.RunAsync([.. args, "--datastore", datastore.Config], stdin);

    protected static string Manifest(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "integration", "Cli", "Manifests", name);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException(name);
    }

    protected string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    protected async Task<CliResult> Ok(params string[] args)
    {
        var r = await Run(args);
        Assert.True(r.ExitCode == 0, $"l3netctl {string.Join(' ', args)}: {r}");
        return r;
    }

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        Directory.Delete(_dir, recursive: true);
        datastore.Dispose();
    }

    [Fact]
    public async Task Calico_manifests_apply_unchanged_and_read_back()
    {
        var r = await Ok("apply", "-f", Manifest("calico.yaml"));
        Assert.Equal("ippool/default-ipv4-ippool created\nbgppeer/rack1-tor created\nbgpconfiguration/default created\n", r.Out);

        Assert.Equal("""
            NAME                  CIDR             SELECTOR
            default-ipv4-ippool   192.168.0.0/16   all()

            """, (await Ok("get", "ippools")).Out);
        Assert.Equal("""
            NAME                  CIDR             BLOCKSIZE   NAT    DISABLED   DISABLEBGPEXPORT   SELECTOR
            default-ipv4-ippool   192.168.0.0/16   26          true   false      false              all()

            """, (await Ok("get", "ipp", "-o", "wide")).Out);
        Assert.Equal("""
            NAME        PEERIP         NODE               ASN
            rack1-tor   192.20.30.40   rack == 'rack-1'   64567

            """, (await Ok("get", "bgppeers")).Out);
        Assert.Equal("""
            NAME        PEERIP         NODE               ASN     PEERSELECTOR   PASSWORD   TTLSECURITY   KEEPALIVE
            rack1-tor   192.20.30.40   rack == 'rack-1'   64567

            """, (await Ok("get", "bgppeer", "-o", "wide")).Out);
        Assert.Equal("""
            NAME      LOGSEVERITY   MESHENABLED   ASNUMBER
            default   Info          false         63400

            """, (await Ok("get", "bgpconfig")).Out);
        Assert.Equal("""
            NAME      LOGSEVERITY   MESHENABLED   ASNUMBER   LISTENPORT
            default   Info          false         63400      179

            """, (await Ok("get", "bgpconfigurations", "-o", "wide")).Out);

        await using var store = DatastoreFactory.Open(datastore.Config);
        var resources = new ResourceStore(store);
        var peer = await resources.GetAsync<BGPPeer>("rack1-tor", ct: TestContext.Current.CancellationToken);
        Assert.Equal(("192.20.30.40", "64567", "rack == 'rack-1'"), (peer!.Spec.PeerIp, peer.Spec.AsNumber, peer.Spec.NodeSelector));
        var config = await resources.GetAsync<BGPConfiguration>("default", ct: TestContext.Current.CancellationToken);
        Assert.Equal(("63400", false, "10.96.0.0/12"), (config!.Spec.AsNumber, config.Spec.NodeToNodeMeshEnabled, config.Spec.ServiceClusterIps![0].Cidr));
    }

    [Fact]
    public async Task Tables_for_nodes_endpoints_and_policies()
    {
        await Ok("apply", "-f", Manifest("calico.yaml"), "-f", Manifest("cluster.yaml"));
        Assert.Equal("""
            NAME
            node-1
            node-2

            """, (await Ok("get", "nodes")).Out);
        Assert.Equal("""
            NAME     ASN       IPV4          IPV6   RRCLUSTERID
            node-1   (63400)   10.0.1.2/24
            node-2   65002     10.0.2.2/24          224.0.0.1

            """, (await Ok("get", "no", "-o", "wide")).Out);
        Assert.Equal("""
            WORKLOAD   NODE     NETWORKS        INTERFACE
            web        node-1   10.244.0.5/32   cali1234567890a

            """, (await Ok("get", "weps", "-n", "shop")).Out);
        Assert.Equal("""
            NAMESPACE   NAME              WORKLOAD   NODE     NETWORKS        INTERFACE         MAC                 CONTAINER
            shop        node-1-web-eth0   web        node-1   10.244.0.5/32   cali1234567890a   0e:00:00:00:00:01   abc123

            """, (await Ok("get", "workloadendpoint", "-A", "-o", "wide")).Out);
        Assert.Equal("""
            NAME        PODSELECTOR
            allow-web   app=web

            """, (await Ok("get", "networkpolicies", "-n", "shop")).Out);
        Assert.Equal("""
            NAME        PODSELECTOR   POLICYTYPES   INGRESSRULES   EGRESSRULES
            allow-web   app=web       Ingress       1              0

            """, (await Ok("get", "netpol", "-n", "shop", "-o", "wide")).Out);
        Assert.Equal("""
            NAME                  CIDR               SELECTOR
            default-ipv4-ippool   192.168.0.0/16     all()
            pods-v6               fd00:10:244::/64   all()

            """, (await Ok("get", "ippool")).Out);
        Assert.Equal("""
            NAME      PEERIP                          NODE       ASN
            mesh-rr   (peers: has(route-reflector))   (global)

            """, (await Ok("get", "bgppeer", "mesh-rr")).Out);

        var empty = await Ok("get", "weps");
        Assert.Equal("", empty.Out);
        Assert.Equal("No resources found.\n", empty.Err);
        Assert.Equal("node/node-1\n", (await Ok("get", "nodes", "-l", "rack == '1'", "-o", "name")).Out);
    }

    [Fact]
    public async Task Get_as_yaml_or_json_reapplies_without_writing()
    {
        await Ok("apply", "-f", Manifest("calico.yaml"), "-f", Manifest("cluster.yaml"));
        var before = await Revisions();
        foreach (var kind in new[] { "ippools", "bgppeers", "bgpconfigurations", "nodes" })
        {
            var yaml = Write($"{kind}.yaml", (await Ok("get", kind, "-o", "yaml")).Out);
            Assert.DoesNotContain("created", (await Ok("apply", "-f", yaml)).Out);
            Assert.All((await Ok("apply", "-f", yaml)).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.EndsWith(" unchanged", l));
            var json = Write($"{kind}.json", (await Ok("get", kind, "-o", "json")).Out);
            Assert.All((await Ok("apply", "-f", json)).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.EndsWith(" unchanged", l));
        }
        var wep = (await Ok("get", "wep", "node-1-web-eth0", "-n", "shop", "-o", "yaml")).Out;
        Assert.Equal("workloadendpoint/node-1-web-eth0 unchanged\n", (await RunWithInput(wep, "apply", "-f", "-")).Out);
        var policy = (await Ok("get", "netpol", "allow-web", "-n", "shop", "-o", "json")).Out;
        Assert.Equal("networkpolicy/allow-web unchanged\n", (await RunWithInput(policy, "apply", "-f", "-")).Out);
        Assert.Equal(before, await Revisions());

        // A real change is written, and only to the resource that changed.
        var changed = Write("changed.yaml", (await Ok("get", "ippool", "pods-v6", "-o", "yaml")).Out.Replace("disableBGPExport: true", "disableBGPExport: false"));
        Assert.Equal("ippool/pods-v6 configured\n", (await Ok("apply", "-f", changed)).Out);
        var after = await Revisions();
        Assert.NotEqual(before["pods-v6"], after["pods-v6"]);
        Assert.Equal(before["default-ipv4-ippool"], after["default-ipv4-ippool"]);
    }

    [Fact]
    public async Task Create_replace_delete_and_patch_follow_their_rules()
    {
        var pool = Write("pool.yaml", """
            apiVersion: l3net.io/v1
            kind: IPPool
            metadata: {name: p1}
            spec: {cidr: 10.10.0.0/16}
            """);
        Assert.Equal("ippool/p1 created\n", (await Ok("create", "-f", pool)).Out);
        var again = await Run("create", "-f", pool);
        Assert.Equal((int)ExitCode.AlreadyExists, again.ExitCode);
        Assert.Equal($"error: {pool}: IPPool 'p1' already exists\n", again.Err);

        var stale = (await Ok("get", "ippool", "p1", "-o", "yaml")).Out;
        Assert.Equal("ippool/p1 patched\n", (await Ok("patch", "ippool", "p1", "-p", """{"spec":{"natOutgoing":true,"nodeSelector":"rack == 'r1'"}}""")).Out);
        Assert.Equal("ippool/p1 unchanged\n", (await Ok("patch", "ippool", "p1", "-p", """{"spec":{"natOutgoing":true}}""")).Out);
        Assert.Contains("natOutgoing: true", (await Ok("get", "ippool", "p1", "-o", "yaml")).Out);

        // The manifest read before the patch carries the old resourceVersion: replace must refuse it.
        var conflict = await RunWithInput(stale, "replace", "-f", "-");
        Assert.Equal((int)ExitCode.Conflict, conflict.ExitCode);
        Assert.Matches(@"^error: <stdin>: IPPool 'p1' was changed since resourceVersion \d+ was read \(now \d+\): get it again and retry\n$", conflict.Err);
        Assert.Equal("ippool/p1 replaced\n", (await Ok("replace", "-f", pool)).Out);
        Assert.DoesNotContain("natOutgoing: true", (await Ok("get", "ippool", "p1", "-o", "yaml")).Out);

        Assert.Equal("ippool/p1 deleted\n", (await Ok("delete", "ippool", "p1")).Out);
        var gone = await Run("delete", "ipp", "p1");
        Assert.Equal((int)ExitCode.NotFound, gone.ExitCode);
        Assert.Equal("error: IPPool 'p1' not found\n", gone.Err);
        Assert.Equal("", (await Ok("delete", "ipp", "p1", "--ignore-not-found")).Out);
        var absent = await Run("replace", "-f", pool);
        Assert.Equal((int)ExitCode.NotFound, absent.ExitCode);
        Assert.Equal($"error: {pool}: IPPool 'p1' not found\n", absent.Err);
        var missing = await Run("get", "ippool", "p1");
        Assert.Equal((int)ExitCode.NotFound, missing.ExitCode);
        var patchMissing = await Run("patch", "ippool", "p1", "-p", "{}");
        Assert.Equal((int)ExitCode.NotFound, patchMissing.ExitCode);
    }

    [Fact]
    public async Task Directories_standard_input_and_delete_by_manifest()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        File.Copy(Manifest("calico.yaml"), Path.Combine(dir, "a.yaml"));
        File.Copy(Manifest("cluster.yaml"), Path.Combine(dir, "b.yml"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a manifest");
        var r = await Ok("apply", "-f", dir);
        Assert.Equal(9, r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("ippool/default-ipv4-ippool\nbgppeer/rack1-tor\nbgpconfiguration/default\n",
            (await Ok("get", "-f", Manifest("calico.yaml"), "-o", "name")).Out);
        Assert.Equal("ippool/default-ipv4-ippool deleted\nbgppeer/rack1-tor deleted\nbgpconfiguration/default deleted\n",
            (await Ok("delete", "-f", Manifest("calico.yaml"))).Out);
        var json = """{"apiVersion":"l3net.io/v1","kind":"IPPool","metadata":{"name":"j"},"spec":{"cidr":"10.20.0.0/16"}}""";
        Assert.Equal("ippool/j created\n", (await RunWithInput(json, "apply", "-f", "-")).Out);
    }

    [Fact]
    public async Task Errors_are_one_line_with_a_distinct_exit_code()
    {
        var wrongKind = await Run("get", "ippoolz");
        Assert.Equal((int)ExitCode.Usage, wrongKind.ExitCode);
        Assert.Equal("error: unknown resource kind 'ippoolz' (known: ippools, ipreservations, ipamconfigurations, bgpconfigurations, bgppeers, bgpfilters, nodes, workloadendpoints, networkpolicies)\n", wrongKind.Err);

        var bad = Write("bad.yaml", """
            apiVersion: l3net.io/v1
            kind: IPPool
            metadata: {name: ok}
            spec: {cidr: 10.30.0.0/16}
            ---
            apiVersion: l3net.io/v1
            kind: IPPool
            metadata: {name: broken}
            spec: {cidr: 10.31.0.0/16, blockSize: big}
            """);
        var badDoc = await Run("apply", "-f", bad);
        Assert.Equal((int)ExitCode.InvalidResource, badDoc.ExitCode);
        Assert.StartsWith($"error: {bad}: document 2: spec.blockSize", badDoc.Err);
        Assert.Single(badDoc.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", (await Ok("get", "ippools")).Out); // nothing written: every document is read before any write

        var invalid = Write("invalid.yaml", "apiVersion: l3net.io/v1\nkind: IPPool\nmetadata: {name: v}\nspec: {cidr: 10.0.0.0/33}\n");
        var validation = await Run("apply", "-f", invalid);
        Assert.Equal((int)ExitCode.InvalidResource, validation.ExitCode);
        Assert.StartsWith($"error: {invalid}: document 1: spec.cidr", validation.Err);
        Assert.Single(validation.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var unknownKind = await Run("apply", "-f", Write("k.yaml", "apiVersion: l3net.io/v1\nkind: Pod\nmetadata: {name: x}\n"));
        Assert.Equal((int)ExitCode.InvalidResource, unknownKind.ExitCode);
        Assert.Contains("document 1: kind: unknown kind 'Pod'", unknownKind.Err);
        var notYaml = await Run("apply", "-f", Write("y.yaml", "a: ["));
        Assert.Equal((int)ExitCode.InvalidResource, notYaml.ExitCode);
        Assert.Contains("y.yaml: document 1: malformed YAML", notYaml.Err);
        var noFile = await Run("apply", "-f", Path.Combine(_dir, "absent.yaml"));
        Assert.Equal((int)ExitCode.Usage, noFile.ExitCode);
        var noFlag = await Run("apply");
        Assert.Equal((int)ExitCode.Usage, noFlag.ExitCode);
        var badPatch = await Run("patch", "ippool", "x", "-p", "{nope");
        Assert.Equal((int)ExitCode.InvalidResource, badPatch.ExitCode);
        Assert.StartsWith("error: the patch is not valid JSON", badPatch.Err);
    }

    [Fact]
    public async Task Stack_traces_only_with_debug()
    {
        var plain = await Run("get", "ippool", "nope");
        Assert.DoesNotContain("   at ", plain.Err);
        var invalid = Write("invalid.yaml", "apiVersion: l3net.io/v1\nkind: IPPool\nmetadata: {name: v}\nspec: {cidr: 10.0.0.0/33}\n");
        var debug = await Run("apply", "-f", invalid, "--debug");
        Assert.Equal((int)ExitCode.InvalidResource, debug.ExitCode);
        Assert.Contains("ResourceFormatException", debug.Err);
        Assert.Contains("   at ", debug.Err);
    }

    [Fact]
    public async Task A_calico_BGPFilter_applies_reads_back_as_a_table_and_yaml_and_deletes_and_a_bad_rule_writes_nothing()
    {
        var filter = Write("filter.yaml", """
            apiVersion: projectcalico.org/v3
            kind: BGPFilter
            metadata: {name: tor-policy}
            spec:
              exportV4:
              - {action: Reject, matchOperator: In, cidr: 10.244.0.0/16, prefixLength: {min: 32}}
              importV4:
              - {action: Accept, matchOperator: Equal, cidr: 0.0.0.0/0}
              - {action: Reject}
            ---
            apiVersion: projectcalico.org/v3
            kind: BGPPeer
            metadata: {name: tor}
            spec: {peerIP: 10.0.0.1, asNumber: 65000, filters: [tor-policy]}
            """);
        Assert.Equal("bgpfilter/tor-policy created\nbgppeer/tor created\n", (await Ok("apply", "-f", filter)).Out);
        Assert.Equal("""
            NAME
            tor-policy

            """, (await Ok("get", "bgpfilters")).Out);
        Assert.Equal("""
            NAME         EXPORTV4   IMPORTV4   EXPORTV6   IMPORTV6
            tor-policy   1 rule     2 rules

            """, (await Ok("get", "bgpfilter", "-o", "wide")).Out);
        var yaml = (await Ok("get", "bgpfilter", "tor-policy", "-o", "yaml")).Out;
        Assert.Contains("matchOperator: Equal", yaml);
        Assert.Equal("bgpfilter/tor-policy unchanged\n", (await RunWithInput(yaml, "apply", "-f", "-")).Out);

        var bad = Write("bad.yaml", """
            apiVersion: projectcalico.org/v3
            kind: BGPFilter
            metadata: {name: tor-policy}
            spec:
              importV4:
              - {action: Reject, matchOperator: Within, cidr: 10.0.0.0/8}
            """);
        var refused = await Run("apply", "-f", bad);
        Assert.Equal((int)ExitCode.InvalidResource, refused.ExitCode);
        Assert.StartsWith($"error: {bad}: document 1: spec.importV4[0].matchOperator: 'Within' is not one of Equal, NotEqual, In, NotIn", refused.Err);
        Assert.Equal(yaml, (await Ok("get", "bgpfilter", "tor-policy", "-o", "yaml")).Out);

        Assert.Equal("bgpfilter/tor-policy deleted\n", (await Ok("delete", "bgpfilter", "tor-policy")).Out);
        Assert.Equal("", (await Ok("get", "bgpfilters")).Out);
    }

    private async Task<Dictionary<string, string?>> Revisions()
    {
        await using var store = DatastoreFactory.Open(datastore.Config);
        var resources = new ResourceStore(store);
        var result = new Dictionary<string, string?>();
        foreach (var kind in ResourceKinds.All)
            foreach (var r in (await resources.ListAsync(kind, ct: TestContext.Current.CancellationToken)).Items)
                result[r.Metadata.Name] = r.Metadata.ResourceVersion;
        return result;
    }
}

public sealed class SqliteResourceCommandTests() : ResourceCommandTests(new TempSqliteDatastore())
{
    [Fact]
    public async Task An_unusable_datastore_is_its_own_exit_code()
    {
        var r = await CliRunner.RunAsync("get", "ippools", "--datastore", "sqlite:///proc/l3netctl-absent/l3net.db");
        Assert.Equal((int)ExitCode.DatastoreUnavailable, r.ExitCode);
        Assert.StartsWith("error: datastore unavailable: ", r.Err);
        var nonsense = await CliRunner.RunAsync("get", "ippools", "--datastore", "mysql://x");
        Assert.Equal((int)ExitCode.Usage, nonsense.ExitCode);
        Assert.StartsWith("error: datastore 'mysql://x': expected sqlite:///PATH", nonsense.Err);
        Assert.Single(nonsense.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

public sealed class EtcdResourceCommandTests(L3Net.Tests.Integration.Datastore.EtcdServer etcd)
    : ResourceCommandTests(new EtcdTestDatastore(etcd)), IClassFixture<L3Net.Tests.Integration.Datastore.EtcdServer>
{
    [Fact]
    public async Task An_unreachable_etcd_is_datastore_unavailable()
    {
        etcd.Stop();
        try
        {
            var r = await CliRunner.RunAsync("get", "ippools", "--datastore", etcd.Config);
            Assert.Equal((int)ExitCode.DatastoreUnavailable, r.ExitCode);
            Assert.StartsWith("error: datastore unavailable: ", r.Err);
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            await etcd.StartAsync();
        }
    }
}
