using L3Net.Datastore;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Integration.Cli;

/// <summary>IPReservation and IPAMConfiguration written with l3netctl into a real SQLite file, then obeyed by the
/// IPAM service the CNI plugin runs on that same file.</summary>
public sealed class IpamPolicyCommandTests : IDisposable
{
    private readonly TempSqliteDatastore _datastore = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("l3netctl-ipam-policy-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<CliResult> Run(params string[] args) => CliRunner.RunAsync([.. args, "--datastore", _datastore.Config]);

    private async Task<CliResult> Ok(params string[] args)
    {
        var r = await Run(args);
        Assert.True(r.ExitCode == 0, $"l3netctl {string.Join(' ', args)}: {r}");
        return r;
    }

    private string Write(string text)
    {
        var path = Path.Combine(_dir, $"m{Directory.GetFiles(_dir).Length}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>What one CNI ADD does for IPAM, on the file l3netctl wrote.</summary>
    private async Task<IReadOnlyList<AssignedAddress>> AddAsync(string handle, string node, int count = 1)
    {
        await using var store = DatastoreFactory.Open(DatastoreConfig.Resolve(_datastore.Config));
        return await new IpamService(store).AutoAssignAsync(new AutoAssignRequest { Handle = handle, Node = node, Num4 = count }, Ct);
    }

    [Fact]
    public async Task A_calico_reservation_applied_with_l3netctl_keeps_its_addresses_out_of_auto_assign()
    {
        var r = await Ok("apply", "-f", Write("""
            apiVersion: projectcalico.org/v3
            kind: IPPool
            metadata: {name: tiny}
            spec: {cidr: 10.50.0.0/29, blockSize: 29, ipipMode: Never, vxlanMode: Never}
            ---
            apiVersion: projectcalico.org/v3
            kind: IPReservation
            metadata: {name: infra}
            spec:
              reservedCIDRs: [10.50.0.1, 10.50.0.4/30, "fd00:50::/120"]
            """));
        Assert.Equal("ippool/tiny created\nipreservation/infra created\n", r.Out);
        Assert.Equal("""
            NAME    RESERVEDCIDRS
            infra   10.50.0.1,10.50.0.4/30,fd00:50::/120

            """, (await Ok("get", "ipreservations")).Out);

        var got = await AddAsync("net.c1", "node-1", count: 3);
        Assert.Equal(["10.50.0.0", "10.50.0.2", "10.50.0.3"], got.Select(a => a.Address.ToString()).Order());
        await Assert.ThrowsAsync<PoolExhaustedException>(() => AddAsync("net.c2", "node-1"));

        // Lifting the reservation frees its addresses for the next ADD.
        Assert.Equal("ipreservation/infra deleted\n", (await Ok("delete", "ipreservation", "infra")).Out);
        Assert.Equal(4, (await AddAsync("net.c3", "node-1", count: 4)).Count);
    }

    [Fact]
    public async Task Ipam_configure_turns_on_strict_affinity_and_the_next_add_fails_naming_it()
    {
        await Ok("apply", "-f", Write("""
            apiVersion: projectcalico.org/v3
            kind: IPPool
            metadata: {name: tiny}
            spec: {cidr: 10.51.0.0/29, blockSize: 30}
            """));
        await AddAsync("net.a1", "node-a", count: 4);
        await AddAsync("net.b1", "node-b");

        Assert.Equal("""
            PROPERTY           VALUE
            StrictAffinity     true
            MaxBlocksPerHost   0 (no limit)

            """, (await Ok("ipam", "configure", "--strictaffinity=true")).Out);
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => AddAsync("net.a2", "node-a"));
        Assert.Contains("strict affinity: node node-a may not borrow", e.Message);

        await Ok("ipam", "configure", "--strictaffinity=false");
        Assert.Single(await AddAsync("net.a3", "node-a")); // borrowed from node-b's block
        Assert.Equal("""
            NAME      STRICTAFFINITY   MAXBLOCKSPERHOST
            default   false            0 (no limit)

            """, (await Ok("get", "ipamconfigurations")).Out);
    }

    [Fact]
    public async Task A_calico_ipam_configuration_limits_blocks_per_host()
    {
        await Ok("apply", "-f", Write("""
            apiVersion: projectcalico.org/v3
            kind: IPPool
            metadata: {name: small}
            spec: {cidr: 10.52.0.0/28, blockSize: 30}
            ---
            apiVersion: projectcalico.org/v3
            kind: IPAMConfiguration
            metadata: {name: default}
            spec: {strictAffinity: true, maxBlocksPerHost: 1}
            """));
        Assert.Equal(4, (await AddAsync("net.a1", "node-a", count: 4)).Count);
        var e = await Assert.ThrowsAsync<PoolExhaustedException>(() => AddAsync("net.a2", "node-a"));
        Assert.Contains("node node-a owns 1 block(s), the maxBlocksPerHost limit", e.Message);

        await Ok("ipam", "configure", "--max-blocks-per-host=2");
        Assert.Single(await AddAsync("net.a2", "node-a"));
        Assert.Contains("maxBlocksPerHost: 2", (await Ok("get", "ipamconfig", "default", "-o", "yaml")).Out);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "apiVersion: projectcalico.org/v3\nkind: IPAMConfiguration\nmetadata: {name: cluster}\nspec: {strictAffinity: true}\n",
            "metadata.name: 'cluster' must be 'default' (IPAMConfiguration is a singleton)" },
        { "apiVersion: projectcalico.org/v3\nkind: IPAMConfiguration\nmetadata: {name: default}\nspec: {maxBlocksPerHost: -2}\n",
            "spec.maxBlocksPerHost: -2 is negative (0 means no limit)" },
        { "apiVersion: projectcalico.org/v3\nkind: IPAMConfiguration\nmetadata: {name: default}\nspec: {kubeVirtVMAddressPersistence: Enabled}\n",
            "spec.kubeVirtVMAddressPersistence: Calico field not supported by L3Net" },
        { "apiVersion: projectcalico.org/v3\nkind: IPAMConfiguration\nmetadata: {name: default}\nspec: {autoAllocateBlocks: false}\n",
            "spec.autoAllocateBlocks: Calico field not supported by L3Net" },
        { "apiVersion: projectcalico.org/v3\nkind: IPReservation\nmetadata: {name: r}\nspec: {reservedCIDRs: [10.0.0.1/24]}\n",
            "spec.reservedCIDRs[0]: '10.0.0.1/24' is not a valid CIDR: host bits are set (did you mean 10.0.0.0/24?)" },
        { "apiVersion: projectcalico.org/v3\nkind: IPReservation\nmetadata: {name: r}\nspec: {reservedCIDRs: [gateway]}\n",
            "spec.reservedCIDRs[0]: 'gateway' is not an IP address or CIDR" },
        { "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, ipipMode: Always}\n",
            "spec.ipipMode: 'Always' is not supported: L3Net has no overlay" },
        { "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, vxlanMode: CrossSubnet}\n",
            "spec.vxlanMode: 'CrossSubnet' is not supported" },
        { "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, allowedUses: [Workload, LoadBalancer]}\n",
            "spec.allowedUses: 'LoadBalancer' is not supported" },
        { "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {bgp: {ipv4Address: 10.0.1.2/24, ipv4IPIPTunnelAddr: 10.244.0.1}}\n",
            "spec.bgp.ipv4IPIPTunnelAddr: Calico field not supported by L3Net" },
        { "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {ipv4VXLANTunnelAddr: 10.244.0.1}\n",
            "spec.ipv4VXLANTunnelAddr: Calico field not supported by L3Net" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Apply_refuses_what_l3net_would_not_act_on_naming_the_field(string manifest, string expected)
    {
        var r = await Run("apply", "-f", Write(manifest));
        Assert.Equal(3, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Equal("", (await Run("get", ResourceKindOf(manifest))).Out); // nothing was written
    }

    private static string ResourceKindOf(string manifest) => manifest.Split('\n')[1]["kind: ".Length..];

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _datastore.Dispose();
    }
}
