using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using L3Net.Datastore;

namespace L3Net.Ipam;

/// <summary>An IPAM record as read, with the revision a compare-and-swap must name.</summary>
internal sealed record Versioned<T>(string Key, T Value, long Revision);

/// <summary>What a <see cref="RecordStore.MutateAsync{T,TResult}"/> decision does to the record it was shown.</summary>
internal enum Edit { None, Write, Remove }

/// <summary>Typed IPAM records over <see cref="IDatastore"/>, and the one read-decide-CAS loop every change goes through.</summary>
internal sealed class RecordStore(IDatastore store, IpamOptions options)
{
    public IpamOptions Options => options;

    public async Task<Versioned<T>?> GetAsync<T>(string key, CancellationToken ct)
    {
        var kv = await store.GetAsync(key, ct);
        return kv is null ? null : new Versioned<T>(kv.Key, Deserialize<T>(kv), kv.Revision);
    }

    public async Task<List<Versioned<T>>> ListAsync<T>(string prefix, CancellationToken ct)
    {
        var list = await store.ListAsync(prefix, ct);
        return [.. list.Items.Select(kv => new Versioned<T>(kv.Key, Deserialize<T>(kv), kv.Revision))];
    }

    /// <summary>Creates the record; false when it already exists (someone else got there first).</summary>
    public async Task<bool> TryCreateAsync<T>(string key, T value, CancellationToken ct)
    {
        try
        {
            await store.CreateAsync(key, Serialize(value), ct);
            return true;
        }
        catch (AlreadyExistsException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads <paramref name="key"/>, lets <paramref name="decide"/> choose an edit and the value to write (it may
    /// change the value it is shown and return it), and applies it with compare-and-swap: create when absent, update
    /// or delete at the revision read. A lost race re-reads and decides again, with backoff, at most
    /// <see cref="IpamOptions.MaxAttempts"/> times, so <paramref name="decide"/> must depend only on what it is shown.
    /// <paramref name="justRead"/>, a read of <paramref name="key"/> the caller has made, stands in for the first read:
    /// one round trip less, and if it is stale the compare-and-swap says so and the loop reads again.
    /// <paramref name="assumeAbsent"/>: the caller expects no record (a new pod's handle), so the first decision is made
    /// on none, unread. Only a create may act on that (it fails when a record is there, and the loop then reads, with no
    /// back-off: nobody raced us); any other edit is decided again on a read.
    /// </summary>
    public async Task<TResult> MutateAsync<T, TResult>(string key, Func<T?, (Edit Edit, T? Value, TResult Result)> decide,
        CancellationToken ct, Versioned<T>? justRead = null, bool assumeAbsent = false) where T : class
    {
        var contention = new Contention(options, $"update of {key}");
        var unread = assumeAbsent;
        while (true)
        {
            var current = unread ? null : justRead ?? await GetAsync<T>(key, ct);
            justRead = null;
            var (edit, value, result) = decide(current?.Value);
            if (unread && edit != Edit.Write)
            {
                unread = false;
                continue;
            }
            try
            {
                switch (edit)
                {
                    case Edit.Write when current is null:
                        await store.CreateAsync(key, Serialize(value!), ct);
                        break;
                    case Edit.Write:
                        await store.UpdateAsync(key, Serialize(value!), current.Revision, ct);
                        break;
                    case Edit.Remove when current is not null:
                        await store.DeleteAsync(key, current.Revision, ct);
                        break;
                }
                return result;
            }
            catch (Exception e) when (e is ConflictException or AlreadyExistsException or NotFoundException)
            {
                if (!unread)
                    await contention.LostAsync(ct);
                unread = false;
            }
        }
    }

    internal static T Deserialize<T>(KeyValue kv)
        => JsonSerializer.Deserialize(kv.Value.Span, Info<T>())
           ?? throw new DatastoreException($"{kv.Key}: empty IPAM record");

    private static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Info<T>());

    private static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)IpamJsonContext.Default.GetTypeInfo(typeof(T))!;
}
