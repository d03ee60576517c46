using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace L3Net.Datastore.Etcd;

/// <summary>
/// The distributed backend on etcd v3. A key's revision is etcd's <c>mod_revision</c>, the store revision is the
/// response header's revision; compare-and-swap is a transaction comparing <c>mod_revision</c> (or
/// <c>create_revision = 0</c> for create), whose failure branch reads the key to tell conflict from absence.
/// </summary>
public sealed class EtcdDatastore(EtcdOptions options) : IDatastore
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(200);
    private readonly EtcdGateway _gateway = new(options);

    public async Task<KeyValue?> GetAsync(string key, CancellationToken ct = default)
    {
        using var answer = await _gateway.CallAsync("/v3/kv/range", new JsonObject { ["key"] = EtcdGateway.Encode(key) }, ct);
        return Kvs(answer.RootElement).FirstOrDefault();
    }

    public async Task<ListResult> ListAsync(string prefix, CancellationToken ct = default)
    {
        using var answer = await _gateway.CallAsync("/v3/kv/range", Range(prefix), ct);
        var root = answer.RootElement;
        return new ListResult(Kvs(root).ToList(), EtcdGateway.Long(root.GetProperty("header"), "revision"));
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default)
    {
        var (succeeded, revision, _) = await TxnAsync(key, "CREATE", "create_revision", 0, Put(key, value), ct);
        return succeeded ? revision : throw new AlreadyExistsException(key);
    }

    public async Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default)
    {
        var (succeeded, revision, current) = await TxnAsync(key, "MOD", "mod_revision", expectedRevision, Put(key, value), ct);
        return succeeded ? revision : throw Failure(key, expectedRevision, current);
    }

    public async Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default)
    {
        var delete = new JsonObject { ["request_delete_range"] = new JsonObject { ["key"] = EtcdGateway.Encode(key) } };
        var (succeeded, _, current) = await TxnAsync(key, "MOD", "mod_revision", expectedRevision, delete, ct);
        if (!succeeded)
            throw Failure(key, expectedRevision, current);
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var next = fromRevision > 0 ? fromRevision : (await ListAsync(prefix, ct)).Revision + 1;
        while (true)
        {
            var batch = new List<WatchEvent>();
            var stream = OpenWatchAsync(prefix, next, ct);
            await using var lines = stream.GetAsyncEnumerator(ct);
            while (true)
            {
                bool more;
                try
                {
                    more = await lines.MoveNextAsync();
                }
                catch (Exception e) when (e is HttpRequestException or IOException or DatastoreUnavailableException && !ct.IsCancellationRequested)
                {
                    // Dropped connection or a server gone: resume from the next revision, on whichever endpoint answers.
                    more = false;
                }
                if (!more)
                    break;
                batch.Clear();
                ReadEvents(lines.Current, prefix, next, batch);
                foreach (var change in batch)
                {
                    next = change.Revision + 1;
                    yield return change;
                }
            }
            await Task.Delay(ReconnectDelay, ct);
        }
    }

    public ValueTask DisposeAsync()
    {
        _gateway.Dispose();
        return ValueTask.CompletedTask;
    }

    private async IAsyncEnumerable<JsonElement> OpenWatchAsync(string prefix, long from, [EnumeratorCancellation] CancellationToken ct)
    {
        var request = Range(prefix);
        request["start_revision"] = from;
        using var response = await _gateway.StreamAsync("/v3/watch", new JsonObject { ["create_request"] = request }, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
                continue;
            using var document = JsonDocument.Parse(line);
            yield return document.RootElement.Clone();
        }
    }

    /// <summary>One watch message: events, or a cancellation because the start revision was compacted.</summary>
    private static void ReadEvents(JsonElement message, string prefix, long from, List<WatchEvent> into)
    {
        if (!message.TryGetProperty("result", out var result))
            throw new DatastoreUnavailableException($"etcd watch on {prefix}: {message}");
        if (EtcdGateway.Long(result, "compact_revision") > 0)
            throw new ResyncRequiredException(prefix, from);
        if (!result.TryGetProperty("events", out var events))
            return;
        foreach (var e in events.EnumerateArray())
        {
            var kv = e.GetProperty("kv");
            var deleted = e.TryGetProperty("type", out var type) && type.GetString() == "DELETE";
            into.Add(new WatchEvent(deleted ? WatchEventType.Delete : WatchEventType.Put, EtcdGateway.DecodeKey(kv.GetProperty("key")),
                deleted ? ReadOnlyMemory<byte>.Empty : Value(kv), EtcdGateway.Long(kv, "mod_revision")));
        }
    }

    private async Task<(bool Succeeded, long Revision, KeyValue? Current)> TxnAsync(string key, string target, string field,
        long expected, JsonObject onSuccess, CancellationToken ct)
    {
        var encoded = EtcdGateway.Encode(key);
        var txn = new JsonObject
        {
            ["compare"] = new JsonArray(new JsonObject { ["key"] = encoded, ["target"] = target, [field] = expected, ["result"] = "EQUAL" }),
            ["success"] = new JsonArray(onSuccess),
            ["failure"] = new JsonArray(new JsonObject { ["request_range"] = new JsonObject { ["key"] = encoded } }),
        };
        using var answer = await _gateway.CallAsync("/v3/kv/txn", txn, ct);
        var root = answer.RootElement;
        var succeeded = root.TryGetProperty("succeeded", out var s) && s.GetBoolean();
        var current = succeeded ? null : Kvs(root.GetProperty("responses")[0].GetProperty("response_range")).FirstOrDefault();
        return (succeeded, EtcdGateway.Long(root.GetProperty("header"), "revision"), current);
    }

    private static DatastoreException Failure(string key, long expected, KeyValue? current)
        => current is null ? new NotFoundException(key) : new ConflictException(key, expected, current.Revision);

    private static JsonObject Put(string key, ReadOnlyMemory<byte> value)
        => new() { ["request_put"] = new JsonObject { ["key"] = EtcdGateway.Encode(key), ["value"] = Convert.ToBase64String(value.Span) } };

    private static JsonObject Range(string prefix)
        => new()
        {
            ["key"] = EtcdGateway.Encode(prefix.Length == 0 ? "\0" : prefix),
            ["range_end"] = EtcdGateway.Encode(KeyRange.PrefixEnd(prefix) ?? "\0"),
        };

    private static IEnumerable<KeyValue> Kvs(JsonElement range)
        => range.TryGetProperty("kvs", out var kvs)
            ? kvs.EnumerateArray().Select(kv => new KeyValue(EtcdGateway.DecodeKey(kv.GetProperty("key")), Value(kv), EtcdGateway.Long(kv, "mod_revision"))).ToList()
            : [];

    private static byte[] Value(JsonElement kv) => kv.TryGetProperty("value", out var v) ? v.GetBytesFromBase64() : [];
}
