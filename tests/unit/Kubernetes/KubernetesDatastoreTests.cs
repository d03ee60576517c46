using System.Text.Json.Nodes;
using L3Net.Datastore;
using Xunit;
using static L3Net.Tests.Unit.Kubernetes.KubeTestSupport;

namespace L3Net.Tests.Unit.Kubernetes;

/// <summary>The IDatastore contract on the Kubernetes API (CRUD, compare-and-swap through resourceVersion),
/// against <see cref="FakeKubeApiServer"/>.</summary>
public sealed class KubernetesDatastoreTests
{
    private const string Pool = """{"apiVersion":"l3net.io/v1","kind":"IPPool","metadata":{"name":"default","labels":{"tier":"a"},"resourceVersion":null},"spec":{"cidr":"10.244.0.0/16","blockSize":26,"nodeSelector":null}}""";

    [Fact]
    public async Task A_resource_is_stored_as_its_CRD_object_and_reads_back_as_written()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);

        var rev = await store.CreateAsync("/l3net/ippools/default", Json(Pool), TestContext.Current.CancellationToken);

        Assert.Contains("POST /apis/l3net.io/v1/ippools", server.Requests);
        var kv = await store.GetAsync("/l3net/ippools/default", TestContext.Current.CancellationToken);
        Assert.NotNull(kv);
        Assert.Equal(rev, kv.Revision);
        var doc = JsonNode.Parse(Text(kv.Value))!;
        Assert.Equal("l3net.io/v1", doc["apiVersion"]!.GetValue<string>());
        Assert.Equal("IPPool", doc["kind"]!.GetValue<string>());
        Assert.Equal("default", doc["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("a", doc["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Equal(rev.ToString(), doc["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Null(doc["metadata"]!["uid"]);
        Assert.Null(doc["metadata"]!["managedFields"]);
        Assert.Equal("10.244.0.0/16", doc["spec"]!["cidr"]!.GetValue<string>());
        Assert.False(doc["spec"]!.AsObject().ContainsKey("nodeSelector"), "nulls are not sent to the API");
        Assert.Null(await store.GetAsync("/l3net/ippools/other", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Creating_an_existing_key_fails_with_AlreadyExists()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        await store.CreateAsync("/l3net/ippools/default", Json(Pool), TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<AlreadyExistsException>(() => store.CreateAsync("/l3net/ippools/default", Json(Pool), TestContext.Current.CancellationToken));
    }

    /// <summary>The default pool created (first revision) and changed once (second revision).</summary>
    private static async Task<(long First, long Second)> CreateThenUpdateAsync(L3Net.Datastore.Kubernetes.KubernetesDatastore store, CancellationToken ct)
    {
        var first = await store.CreateAsync("/l3net/ippools/default", Json(Pool), ct);
        return (first, await store.UpdateAsync("/l3net/ippools/default", Json(Pool.Replace("/16", "/17")), first, ct));
    }

    [Fact]
    public async Task Update_is_compare_and_swap_on_the_resourceVersion()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        var (first, second) = await CreateThenUpdateAsync(store, ct);
        Assert.True(second > first);

        var stale = await Assert.ThrowsAsync<ConflictException>(() => store.UpdateAsync("/l3net/ippools/default", Json(Pool), first, ct));
        Assert.Equal(first, stale.ExpectedRevision);
        Assert.Equal(second, stale.ActualRevision);
        await Assert.ThrowsAsync<NotFoundException>(() => store.UpdateAsync("/l3net/ippools/nope", Json(Pool), first, ct));
        Assert.Contains("10.244.0.0/17", Text((await store.GetAsync("/l3net/ippools/default", ct))!.Value));
    }

    [Fact]
    public async Task Delete_carries_the_expected_revision_as_a_precondition()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        var (first, second) = await CreateThenUpdateAsync(store, ct);

        await Assert.ThrowsAsync<ConflictException>(() => store.DeleteAsync("/l3net/ippools/default", first, ct));
        await store.DeleteAsync("/l3net/ippools/default", second, ct);

        Assert.Null(await store.GetAsync("/l3net/ippools/default", ct));
        await Assert.ThrowsAsync<NotFoundException>(() => store.DeleteAsync("/l3net/ippools/default", second, ct));
    }

    [Fact]
    public async Task Keys_that_are_not_resources_are_records_whose_names_need_not_be_valid_object_names()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        const string block = "/l3net/ipam/blocks/10.244.1.0/26";
        const string handle = "/l3net/ipam/handles/k8s-pod-network.ABC123";
        const string value = """{"cidr":"10.244.1.0/26","allocations":[0,null,2],"affinity":"host:node-1"}""";

        var rev = await store.CreateAsync(block, Json(value), ct);
        await store.CreateAsync(handle, Json("""{"block":"10.244.1.0/26"}"""), ct);
        await store.CreateAsync("/l3net/ippools/default", Json(Pool), ct);

        Assert.Contains(server.Requests, r => r.StartsWith("POST /apis/l3net.io/v1/datastorerecords", StringComparison.Ordinal));
        var read = await store.GetAsync(block, ct);
        Assert.Equal(rev, read!.Revision);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(value), JsonNode.Parse(Text(read.Value))), "a record's value (nulls in arrays included) reads back unchanged");
        var ipam = await store.ListAsync("/l3net/ipam/", ct);
        Assert.Equal([block, handle], ipam.Items.Select(i => i.Key));
        var blocks = await store.ListAsync("/l3net/ipam/blocks/", ct);
        Assert.Equal([block], blocks.Items.Select(i => i.Key));
        Assert.True(blocks.Revision >= rev);
        var everything = await store.ListAsync("/l3net/", ct);
        Assert.Equal(["/l3net/ipam/blocks/10.244.1.0/26", "/l3net/ipam/handles/k8s-pod-network.ABC123", "/l3net/ippools/default"], everything.Items.Select(i => i.Key));
    }

    [Fact]
    public async Task Namespaced_resources_list_one_namespace_through_its_own_path()
    {
        await using var server = NewServer();
        await using var store = NewDatastore(server);
        var ct = TestContext.Current.CancellationToken;
        const string wep = """{"apiVersion":"l3net.io/v1","kind":"WorkloadEndpoint","metadata":{"name":"n1-web-eth0","namespace":"ns1"},"spec":{"node":"n1","ipNetworks":["10.244.1.5/32"]}}""";
        await store.CreateAsync("/l3net/workloadendpoints/ns1/n1-web-eth0", Json(wep), ct);
        await store.CreateAsync("/l3net/workloadendpoints/ns2/n1-db-eth0", Json(wep.Replace("ns1", "ns2")), ct);

        var ns1 = await store.ListAsync("/l3net/workloadendpoints/ns1/", ct);

        Assert.Equal(["/l3net/workloadendpoints/ns1/n1-web-eth0"], ns1.Items.Select(i => i.Key));
        Assert.Contains(server.Requests, r => r.StartsWith("GET /apis/l3net.io/v1/namespaces/ns1/workloadendpoints?", StringComparison.Ordinal));
        Assert.Equal(2, (await store.ListAsync("/l3net/workloadendpoints/", ct)).Items.Count);
        Assert.Equal("ns1", JsonNode.Parse(Text(ns1.Items[0].Value))!["metadata"]!["namespace"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_CRD_is_reported_as_such()
    {
        await using var server = new FakeKubeApiServer();
        await using var store = NewDatastore(server);

        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.ListAsync("/l3net/ippools/", TestContext.Current.CancellationToken));

        Assert.Contains("crds.yaml", e.Message);
    }

    [Fact]
    public async Task Refused_credentials_name_RBAC()
    {
        await using var server = NewServer();
        server.RequiredToken = "right";
        await using var store = new L3Net.Datastore.Kubernetes.KubernetesDatastore(Client(server, token: "wrong"), FastRetries);

        var e = await Assert.ThrowsAsync<DatastoreException>(() => store.GetAsync("/l3net/ippools/x", TestContext.Current.CancellationToken));

        Assert.Contains("RBAC", e.Message);
    }
}
