using L3Net.Datastore;
using L3Net.Model.Resources;
using L3Net.Model.Validation;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

public sealed class ResourceStoreTests(SqliteFixture fixture) : IClassFixture<SqliteFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly ResourceStore _store = new(fixture.Store);

    private static IPPool Pool(string name, string cidr, bool disabled = false)
        => new() { Metadata = { Name = name }, Spec = { Cidr = cidr, Disabled = disabled } };

    [Fact]
    public async Task A_created_pool_reads_back_with_its_revision_and_updates_by_compare_and_swap()
    {
        var created = await _store.CreateAsync(Pool("crud", "10.10.0.0/16"), Ct);
        var read = await _store.GetAsync<IPPool>("crud", ct: Ct);
        Assert.NotNull(read);
        Assert.Equal("10.10.0.0/16", read.Spec.Cidr);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.NotNull(read.Metadata.CreationTimestamp);

        read.Spec.NatOutgoing = true;
        await _store.UpdateAsync(read, Ct);
        created.Spec.Disabled = true;
        await Assert.ThrowsAsync<ConflictException>(() => _store.UpdateAsync(created, Ct));
        Assert.True((await _store.GetAsync<IPPool>("crud", ct: Ct))!.Spec.NatOutgoing);
        Assert.Equal($"/l3net/ippools/crud", (await fixture.Store.ListAsync("/l3net/ippools/crud", Ct)).Items.Single().Key);
    }

    [Fact]
    public async Task Overlapping_enabled_pools_are_refused_naming_the_other_pool()
    {
        await _store.ApplyAsync(Pool("overlap-a", "10.20.0.0/16"), Ct);
        var e = await Assert.ThrowsAsync<ResourceValidationException>(() => _store.CreateAsync(Pool("overlap-b", "10.20.4.0/24"), Ct));
        Assert.Contains("spec.cidr: '10.20.4.0/24' overlaps IPPool 'overlap-a'", e.Errors.Single());
        await _store.CreateAsync(Pool("overlap-c", "10.20.4.0/24", disabled: true), Ct);
    }

    [Fact]
    public async Task Invalid_resources_are_not_written()
    {
        var e = await Assert.ThrowsAsync<ResourceValidationException>(() => _store.CreateAsync(Pool("bad", "10.0.0.0/33"), Ct));
        Assert.Equal("spec.cidr: '10.0.0.0/33' is not a valid CIDR: prefix length 33 is over 32", e.Errors.Single());
        Assert.Null(await _store.GetAsync<IPPool>("bad", ct: Ct));
    }

    [Fact]
    public async Task Namespaced_endpoints_are_keyed_by_namespace_and_watched_typed()
    {
        var start = (await _store.ListAsync<WorkloadEndpoint>(ct: Ct)).Revision + 1;
        var wep = new WorkloadEndpoint
        {
            Metadata = { Name = "node1-web-eth0", Namespace = "shop", Labels = { ["app"] = "web" } },
            Spec = { Node = "node1", Pod = "web", ContainerId = "abc", Network = "k8s-pod-network", InterfaceName = "cali0123456789a", IpNetworks = ["10.244.1.5/32"] },
        };
        await _store.CreateAsync(wep, Ct);
        Assert.Single((await fixture.Store.ListAsync("/l3net/workloadendpoints/shop/", Ct)).Items);
        await _store.DeleteAsync<WorkloadEndpoint>("node1-web-eth0", "shop", Ct);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var events = new List<ResourceEvent<WorkloadEndpoint>>();
        await foreach (var e in _store.WatchAsync<WorkloadEndpoint>(start, cts.Token))
        {
            events.Add(e);
            if (events.Count == 2)
                break;
        }
        Assert.Equal(WatchEventType.Put, events[0].Type);
        Assert.Equal("web", events[0].Resource!.Metadata.Labels["app"]);
        Assert.Equal(("shop", "node1-web-eth0", null), (events[1].Namespace, events[1].Name, events[1].Resource));
    }
}
