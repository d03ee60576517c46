using L3Net.Datastore;
using L3Net.Datastore.Sqlite;
using L3Net.Ipam;
using L3Net.Model.Resources;
using Xunit;

namespace L3Net.Tests.Unit.Ipam;

/// <summary>A clock the test moves by hand, so grace periods are tested without waiting.</summary>
internal sealed class ManualTime : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>IPAM over a real SQLite file in a temporary directory, with helpers that write pools, nodes and
/// workload endpoints the way the CLI and the CNI plugin would.</summary>
internal sealed class IpamTestbed : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("l3net-ipam-").FullName;

    public IpamTestbed()
    {
        Store = SqliteDatastore.Open(Path.Combine(_dir, "l3net.db"));
        Resources = new ResourceStore(Store);
        Ipam = new IpamService(Store, new IpamOptions { Time = Time });
    }

    /// <summary>Writes the cluster's IPAMConfiguration, as <c>l3netctl ipam configure</c> does.</summary>
    public Task ConfigureAsync(bool strictAffinity = false, int maxBlocksPerHost = 0)
        => Resources.ApplyAsync(new IPAMConfiguration
        {
            Metadata = { Name = IPAMConfiguration.DefaultName },
            Spec = { StrictAffinity = strictAffinity, MaxBlocksPerHost = maxBlocksPerHost },
        }, Ct);

    public Task ReserveAsync(string name, params string[] cidrs)
        => Resources.ApplyAsync(new IPReservation { Metadata = { Name = name }, Spec = { ReservedCidrs = [.. cidrs] } }, Ct);

    public IDatastore Store { get; }
    public ResourceStore Resources { get; }
    public ManualTime Time { get; } = new();
    public IpamService Ipam { get; }
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Task AddPoolAsync(string name, string cidr, int? blockSize = null, string? nodeSelector = null, bool disabled = false,
        string? assignmentMode = null)
        => Resources.CreateAsync(new IPPool
        {
            Metadata = { Name = name },
            Spec = { Cidr = cidr, BlockSize = blockSize, NodeSelector = nodeSelector, Disabled = disabled, AssignmentMode = assignmentMode },
        }, Ct);

    public Task AddNodeAsync(string name, params (string Key, string Value)[] labels)
    {
        var node = new NodeResource { Metadata = { Name = name } };
        foreach (var (k, v) in labels) node.Metadata.Labels[k] = v;
        return Resources.CreateAsync(node, Ct);
    }

    /// <summary>The endpoint the CNI plugin writes after assigning: it is what makes a handle live.</summary>
    public Task AddEndpointAsync(string node, string network, string containerId)
        => Resources.CreateAsync(new WorkloadEndpoint
        {
            Metadata = { Name = $"{node}-pod-{containerId}-eth0", Namespace = "default" },
            Spec = { Node = node, Network = network, ContainerId = containerId, Pod = "pod-" + containerId, InterfaceName = "calitest" },
        }, Ct);

    public Task<IReadOnlyList<AssignedAddress>> AssignAsync(string handle, string node, int num4 = 1, int num6 = 0,
        IReadOnlyList<string>? pools = null)
        => Ipam.AutoAssignAsync(new AutoAssignRequest { Handle = handle, Node = node, Num4 = num4, Num6 = num6, Pools = pools }, Ct);

    public async Task<int> InUseAsync() => (await Ipam.ListBlocksAsync(Ct)).Sum(b => b.InUse);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
