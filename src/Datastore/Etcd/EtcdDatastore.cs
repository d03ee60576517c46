using System.Runtime.CompilerServices;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Mvccpb;

namespace L3Net.Datastore.Etcd;

/// <summary>
/// The distributed backend on etcd v3 over gRPC (the KV and Watch services; the message types are the ones dotnet-etcd
/// generates from etcd's protos). A key's revision is etcd's <c>mod_revision</c>, the store revision is the response
/// header's revision; compare-and-swap is a transaction comparing <c>mod_revision</c> (or <c>create_revision = 0</c>
/// for create), whose failure branch reads the key to tell conflict from absence. No record uses a lease: every
/// record is durable (pools, blocks, affinities, handles, endpoints) and goes only when deleted.
/// </summary>
public sealed class EtcdDatastore(EtcdOptions options) : IDatastore
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>etcd closes the watch stream of a member that loses its leader, instead of leaving it silent; the
    /// watch then resumes on the next endpoint.</summary>
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };

    private readonly EtcdEndpoints _endpoints = new(options);

    /// <summary>A progress notification reached a watch: every change under the prefix up to the revision has been
    /// delivered. For tests, which cannot otherwise see that the resume point moved.</summary>
    internal event Action<string, long>? WatchProgressed;

    public async Task<KeyValue?> GetAsync(string key, CancellationToken ct = default)
    {
        var answer = await _endpoints.CallAsync((e, call) => e.Kv.RangeAsync(new RangeRequest { Key = Utf8(key) }, call), idempotent: true, ct);
        return answer.Kvs.Count == 0 ? null : ToKeyValue(answer.Kvs[0]);
    }

    public async Task<ListResult> ListAsync(string prefix, CancellationToken ct = default)
    {
        var answer = await _endpoints.CallAsync((e, call) => e.Kv.RangeAsync(Range(prefix), call), idempotent: true, ct);
        return new ListResult(answer.Kvs.Select(ToKeyValue).ToList(), answer.Header.Revision);
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default)
    {
        var absent = new Compare { Key = Utf8(key), Target = Compare.Types.CompareTarget.Create, CreateRevision = 0 };
        var (succeeded, revision, _) = await TxnAsync(key, absent, Put(key, value), ct);
        return succeeded ? revision : throw new AlreadyExistsException(key);
    }

    public async Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default)
    {
        var (succeeded, revision, current) = await TxnAsync(key, Unchanged(key, expectedRevision), Put(key, value), ct);
        return succeeded ? revision : throw Failure(key, expectedRevision, current);
    }

    public async Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default)
    {
        var delete = new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Utf8(key) } };
        var (succeeded, _, current) = await TxnAsync(key, Unchanged(key, expectedRevision), delete, ct);
        if (!succeeded)
            throw Failure(key, expectedRevision, current);
    }

    /// <summary>
    /// One Watch stream at a time, opened from the next revision not yet delivered and asking for progress
    /// notifications, which move that revision on while nothing under the prefix changes. A broken stream is opened
    /// again from there, on the next endpoint when the one in use is gone, so that a resume after a long quiet spell
    /// does not start from history compacted meanwhile. A watch etcd cancels because its start revision was compacted
    /// ends with <see cref="ResyncRequiredException"/>.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var next = fromRevision > 0 ? fromRevision : await CurrentRevisionAsync(prefix, ct) + 1;
        while (true)
        {
            var endpoint = _endpoints.Current;
            using var stream = endpoint.Watch.Watch(RequireLeader, cancellationToken: ct);
            try
            {
                await stream.RequestStream.WriteAsync(Create(prefix, next), ct);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The call failed before the request went out; reading its response says why, below.
            }
            while (await ReadAsync(stream, endpoint, ct) is { } response)
            {
                if (response.CompactRevision > 0)
                    throw new ResyncRequiredException(prefix, next);
                if (response.Canceled)
                    throw new DatastoreUnavailableException($"etcd {endpoint.Address} cancelled the watch on {prefix}: {response.CancelReason}");
                if (response is { Created: false, Events.Count: 0 })
                {
                    next = Math.Max(next, response.Header.Revision + 1);
                    WatchProgressed?.Invoke(prefix, response.Header.Revision);
                }
                foreach (var change in response.Events)
                {
                    next = change.Kv.ModRevision + 1;
                    yield return ToWatchEvent(change);
                }
            }
            await Task.Delay(ReconnectDelay, ct);
        }
    }

    public ValueTask DisposeAsync()
    {
        _endpoints.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The next message of a watch stream, or null once the stream is broken or closed (the endpoint is then
    /// left for the next one if it could not connect or went away).</summary>
    private async Task<WatchResponse?> ReadAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> stream, EtcdEndpoint endpoint,
        CancellationToken ct)
    {
        try
        {
            return await stream.ResponseStream.MoveNext(ct) ? stream.ResponseStream.Current : null;
        }
        catch (RpcException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
        catch (RpcException e)
        {
            if (EtcdFailure.NotConnected(e) || e.StatusCode == StatusCode.Unavailable)
                _endpoints.MoveOn(endpoint);
            return null;
        }
    }

    private async Task<long> CurrentRevisionAsync(string prefix, CancellationToken ct)
    {
        var range = Range(prefix);
        range.CountOnly = true;
        return (await _endpoints.CallAsync((e, call) => e.Kv.RangeAsync(range, call), idempotent: true, ct)).Header.Revision;
    }

    private async Task<(bool Succeeded, long Revision, KeyValue? Current)> TxnAsync(string key, Compare compare, RequestOp onSuccess,
        CancellationToken ct)
    {
        var txn = new TxnRequest
        {
            Compare = { compare },
            Success = { onSuccess },
            Failure = { new RequestOp { RequestRange = new RangeRequest { Key = Utf8(key) } } },
        };
        var answer = await _endpoints.CallAsync((e, call) => e.Kv.TxnAsync(txn, call), idempotent: false, ct);
        var current = answer.Succeeded ? null : answer.Responses[0].ResponseRange.Kvs.Select(ToKeyValue).FirstOrDefault();
        return (answer.Succeeded, answer.Header.Revision, current);
    }

    private static WatchRequest Create(string prefix, long from)
    {
        var range = Range(prefix);
        return new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = range.Key, RangeEnd = range.RangeEnd, StartRevision = from, ProgressNotify = true },
        };
    }

    private static DatastoreException Failure(string key, long expected, KeyValue? current)
        => current is null ? new NotFoundException(key) : new ConflictException(key, expected, current.Revision);

    private static Compare Unchanged(string key, long expectedRevision)
        => new() { Key = Utf8(key), Target = Compare.Types.CompareTarget.Mod, ModRevision = expectedRevision };

    private static RequestOp Put(string key, ReadOnlyMemory<byte> value)
        => new() { RequestPut = new PutRequest { Key = Utf8(key), Value = ByteString.CopyFrom(value.Span) } };

    /// <summary>Every key under the prefix; the empty prefix is the whole keyspace ("\0" to "\0").</summary>
    private static RangeRequest Range(string prefix)
        => new() { Key = Utf8(prefix.Length == 0 ? "\0" : prefix), RangeEnd = Utf8(KeyRange.PrefixEnd(prefix) ?? "\0") };

    private static ByteString Utf8(string s) => ByteString.CopyFromUtf8(s);

    private static KeyValue ToKeyValue(Mvccpb.KeyValue kv) => new(kv.Key.ToStringUtf8(), kv.Value.Memory, kv.ModRevision);

    private static WatchEvent ToWatchEvent(Event change) => change.Type == Event.Types.EventType.Delete
        ? new WatchEvent(WatchEventType.Delete, change.Kv.Key.ToStringUtf8(), ReadOnlyMemory<byte>.Empty, change.Kv.ModRevision)
        : new WatchEvent(WatchEventType.Put, change.Kv.Key.ToStringUtf8(), change.Kv.Value.Memory, change.Kv.ModRevision);
}
