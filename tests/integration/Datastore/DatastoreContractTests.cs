using System.Text;
using L3Net.Testing;
using L3Net.Datastore;
using Xunit;

namespace L3Net.Tests.Integration.Datastore;

/// <summary>The behaviour every backend must show, run unchanged against each (see the subclasses). Each test works
/// under its own key prefix so a backend instance can be shared by the class.</summary>
public abstract class DatastoreContractTests
{
    protected abstract IDatastore Store { get; }

    /// <summary>The configuration string other processes open the same store with.</summary>
    protected abstract string Config { get; }

    private readonly string _prefix = $"/test/{Guid.NewGuid():N}/";
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(10);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected string Key(string name) => _prefix + name;

    protected static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    protected static string Text(ReadOnlyMemory<byte> b) => Encoding.UTF8.GetString(b.Span);

    [Fact]
    public async Task Create_then_get_returns_value_and_revision()
    {
        var revision = await Store.CreateAsync(Key("a"), Bytes("one"), Ct);
        var kv = await Store.GetAsync(Key("a"), Ct);
        Assert.NotNull(kv);
        Assert.Equal("one", Text(kv.Value));
        Assert.Equal(revision, kv.Revision);
        Assert.Null(await Store.GetAsync(Key("missing"), Ct));
    }

    [Fact]
    public async Task Create_of_an_existing_key_fails()
    {
        await Store.CreateAsync(Key("a"), Bytes("one"), Ct);
        var e = await Assert.ThrowsAsync<AlreadyExistsException>(() => Store.CreateAsync(Key("a"), Bytes("two"), Ct));
        Assert.Equal(Key("a"), e.Key);
        Assert.Equal("one", Text((await Store.GetAsync(Key("a"), Ct))!.Value));
    }

    [Fact]
    public async Task Update_with_a_stale_revision_conflicts_and_changes_nothing()
    {
        var first = await Store.CreateAsync(Key("a"), Bytes("one"), Ct);
        var second = await Store.UpdateAsync(Key("a"), Bytes("two"), first, Ct);
        Assert.True(second > first);
        var e = await Assert.ThrowsAsync<ConflictException>(() => Store.UpdateAsync(Key("a"), Bytes("three"), first, Ct));
        Assert.Equal(second, e.ActualRevision);
        Assert.Equal("two", Text((await Store.GetAsync(Key("a"), Ct))!.Value));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.UpdateAsync(Key("none"), Bytes("x"), first, Ct));
    }

    [Fact]
    public async Task Delete_takes_the_expected_revision()
    {
        var revision = await Store.CreateAsync(Key("a"), Bytes("one"), Ct);
        await Assert.ThrowsAsync<ConflictException>(() => Store.DeleteAsync(Key("a"), revision - 1, Ct));
        await Store.DeleteAsync(Key("a"), revision, Ct);
        Assert.Null(await Store.GetAsync(Key("a"), Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Store.DeleteAsync(Key("a"), revision, Ct));
    }

    [Fact]
    public async Task List_returns_the_prefix_in_key_order_at_the_latest_revision()
    {
        await Store.CreateAsync(Key("b"), Bytes("2"), Ct);
        await Store.CreateAsync(Key("a"), Bytes("1"), Ct);
        await Store.CreateAsync(Key("a/nested"), Bytes("3"), Ct);
        var last = await Store.CreateAsync(_prefix.TrimEnd('/') + "0", Bytes("outside"), Ct);
        var list = await Store.ListAsync(_prefix, Ct);
        Assert.Equal([Key("a"), Key("a/nested"), Key("b")], list.Items.Select(i => i.Key));
        Assert.True(list.Revision >= last);
    }

    [Fact]
    public async Task Watch_delivers_every_change_in_order_from_a_revision()
    {
        var start = (await Store.ListAsync(_prefix, Ct)).Revision + 1;
        var r1 = await Store.CreateAsync(Key("a"), Bytes("1"), Ct);
        var r2 = await Store.UpdateAsync(Key("a"), Bytes("2"), r1, Ct);
        await Store.CreateAsync(Key("elsewhere").Replace("/test/", "/other/"), Bytes("x"), Ct);
        await Store.DeleteAsync(Key("a"), r2, Ct);
        var events = await TakeAsync(Store.WatchAsync(_prefix, start, Ct), 3);
        Assert.Equal([WatchEventType.Put, WatchEventType.Put, WatchEventType.Delete], events.Select(e => e.Type));
        Assert.Equal(["1", "2", ""], events.Select(e => Text(e.Value)));
        Assert.Equal([r1, r2], events.Take(2).Select(e => e.Revision));
        Assert.All(events, e => Assert.Equal(Key("a"), e.Key));
    }

    [Fact]
    public async Task Watch_resumes_from_the_revision_after_the_last_event_seen()
    {
        var r1 = await Store.CreateAsync(Key("a"), Bytes("1"), Ct);
        var r2 = await Store.CreateAsync(Key("b"), Bytes("2"), Ct);
        var first = await TakeAsync(Store.WatchAsync(_prefix, r1, Ct), 1);
        Assert.Equal(r1, first[0].Revision);
        // A new watch from the revision after the last one seen, as after a dropped connection.
        var resumed = await TakeAsync(Store.WatchAsync(_prefix, first[0].Revision + 1, Ct), 1);
        Assert.Equal(r2, resumed[0].Revision);
        Assert.Equal(Key("b"), resumed[0].Key);
    }

    [Fact]
    public async Task Racing_creates_of_one_key_have_exactly_one_winner()
    {
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await Store.CreateAsync(Key("race"), Bytes(i.ToString()), Ct);
                return true;
            }
            catch (AlreadyExistsException)
            {
                return false;
            }
        });
        Assert.Single(await Task.WhenAll(attempts), won => won);
    }

    [Fact]
    public async Task Four_processes_doing_250_cas_increments_each_end_at_exactly_1000()
    {
        await Store.CreateAsync(Key("counter"), Bytes("0"), Ct);
        var worker = Path.Combine(AppContext.BaseDirectory, "L3Net.Tests.Workers.dll");
        var runs = Enumerable.Range(0, 4)
            .Select(_ => ProcessRunner.RunAsync("dotnet", [worker, "increment", Config, Key("counter"), "250"], timeout: TimeSpan.FromMinutes(2)));
        foreach (var run in await Task.WhenAll(runs))
            run.EnsureOk("increment worker");
        Assert.Equal("1000", Text((await Store.GetAsync(Key("counter"), Ct))!.Value));
    }

    protected static async Task<List<WatchEvent>> TakeAsync(IAsyncEnumerable<WatchEvent> watch, int count)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(WatchTimeout);
        var events = new List<WatchEvent>();
        await foreach (var e in watch.WithCancellation(cts.Token))
        {
            events.Add(e);
            if (events.Count == count)
                break;
        }
        return events;
    }
}
