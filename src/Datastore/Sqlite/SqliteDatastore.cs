using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace L3Net.Datastore.Sqlite;

/// <summary>
/// The embedded default backend: one SQLite file shared by every process on the node (CNI invocations, the node
/// daemon, the CLI). Writers serialise on SQLite's own file lock (<c>BEGIN IMMEDIATE</c> under WAL with a busy
/// timeout), so compare-and-swap holds across processes with no process-local lock. A store-wide revision counter
/// lives in the <c>meta</c> table; every write appends to the <c>changes</c> log, which watchers poll. The log keeps
/// the last <see cref="RetainedChanges"/> revisions so a watcher can resume; older ones are compacted away.
/// </summary>
public sealed class SqliteDatastore : IDatastore
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private const int WatchBatch = 500;

    private readonly string _connectionString;
    private readonly string _path;

    /// <summary>The writers of this process wait here, asynchronously, and one at a time polls for the file's lock: a
    /// process with many concurrent writers (the node daemon serving 50 pod ADDs) would otherwise block as many pool
    /// threads in <see cref="SqliteWriteLock"/>'s sleeps, starving the pool of threads for everything else.</summary>
    private readonly SemaphoreSlim _writers = new(1, 1);

    private SqliteDatastore(string path, int retainedChanges)
    {
        _path = path;
        RetainedChanges = retainedChanges;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>How many revisions of history the change log keeps for watchers to resume from.</summary>
    public int RetainedChanges { get; }

    /// <summary>Opens (creating when absent) the database file and its schema.</summary>
    public static SqliteDatastore Open(string path, int retainedChanges = 10_000)
    {
        var store = new SqliteDatastore(path, retainedChanges);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using var connection = store.Connect();
            SqliteSchema.Ensure(connection);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new DatastoreUnavailableException($"sqlite {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            // A published program carries libe_sqlite3.so next to itself; without it the provider's static set-up
            // fails with a message that names neither SQLite nor the file (and a trimmed build strips even that).
            throw new DatastoreException($"sqlite {path}: the SQLite native library (libe_sqlite3.so) could not be loaded; "
                + $"it must be installed next to {Environment.ProcessPath}", e);
        }
        return store;
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct = default) => Run(() =>
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value, revision FROM kv WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KeyValue(key, (byte[])reader[0], reader.GetInt64(1)) : null;
    });

    public Task<ListResult> ListAsync(string prefix, CancellationToken ct = default) => Run(() =>
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        var items = new List<KeyValue>();
        using (var command = RangeCommand(connection, "SELECT key, value, revision FROM kv", prefix, "ORDER BY key"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                items.Add(new KeyValue(reader.GetString(0), (byte[])reader[1], reader.GetInt64(2)));
        return new ListResult(items, SqliteSchema.ReadMeta(connection, SqliteSchema.Revision));
    });

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct = default)
        => Write(key, (connection, current, revision) =>
        {
            if (current is not null)
                throw new AlreadyExistsException(key);
            SqliteSchema.Put(connection, key, value, revision);
        });

    public Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken ct = default)
        => Write(key, (connection, current, revision) =>
        {
            CheckExpected(key, current, expectedRevision);
            SqliteSchema.Put(connection, key, value, revision);
        });

    public Task DeleteAsync(string key, long expectedRevision, CancellationToken ct = default)
        => Write(key, (connection, current, revision) =>
        {
            CheckExpected(key, current, expectedRevision);
            SqliteSchema.Delete(connection, key, revision);
        });

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        // Revision 0 or below means "from now", as in etcd.
        var next = fromRevision > 0 ? fromRevision : (await ListHeadAsync()) + 1;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var batch = await Run(() => ReadChanges(prefix, next));
            if (next <= batch.Compacted)
                throw new ResyncRequiredException(prefix, next);
            foreach (var change in batch.Events)
                yield return change;
            // Revisions past the last event that did not touch the prefix are skipped; a full batch may have more.
            next = batch.Events.Count == WatchBatch ? batch.Events[^1].Revision + 1 : Math.Max(next, batch.Head + 1);
            if (batch.Events.Count == 0)
                await Task.Delay(PollInterval, ct);
        }
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }

    private sealed record ChangeBatch(List<WatchEvent> Events, long Compacted, long Head);

    private ChangeBatch ReadChanges(string prefix, long from)
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        var events = new List<WatchEvent>();
        using (var command = RangeCommand(connection, "SELECT revision, key, deleted, value FROM changes", prefix,
                   $"AND revision >= $from ORDER BY revision LIMIT {WatchBatch}"))
        {
            command.Parameters.AddWithValue("$from", from);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                events.Add(reader.GetBoolean(2)
                    ? new WatchEvent(WatchEventType.Delete, reader.GetString(1), ReadOnlyMemory<byte>.Empty, reader.GetInt64(0))
                    : new WatchEvent(WatchEventType.Put, reader.GetString(1), (byte[])reader[3], reader.GetInt64(0)));
        }
        return new ChangeBatch(events, SqliteSchema.ReadMeta(connection, SqliteSchema.Compacted),
            SqliteSchema.ReadMeta(connection, SqliteSchema.Revision));
    }

    private Task<long> ListHeadAsync() => Run(() =>
    {
        using var connection = Connect();
        return SqliteSchema.ReadMeta(connection, SqliteSchema.Revision);
    });

    private static SqliteCommand RangeCommand(SqliteConnection connection, string select, string prefix, string tail)
    {
        var command = connection.CreateCommand();
        var end = KeyRange.PrefixEnd(prefix);
        command.CommandText = $"{select} WHERE key >= $prefix {(end is null ? "" : "AND key < $end")} {tail}";
        command.Parameters.AddWithValue("$prefix", prefix);
        if (end is not null)
            command.Parameters.AddWithValue("$end", end);
        return command;
    }

    private static void CheckExpected(string key, long? current, long expected)
    {
        if (current is null)
            throw new NotFoundException(key);
        if (current != expected)
            throw new ConflictException(key, expected, current.Value);
    }

    /// <summary>One write transaction: takes the file's write lock up front (IMMEDIATE, so two readers never deadlock
    /// upgrading; see <see cref="SqliteWriteLock"/> for how it waits), reads the key's current revision, lets <paramref name="body"/> check and change it under the next
    /// store revision, records that revision and compacts the change log now and then.</summary>
    private async Task<long> Write(string key, Action<SqliteConnection, long?, long> body)
    {
        await _writers.WaitAsync();
        try
        {
            return await WriteNow(key, body);
        }
        finally
        {
            _writers.Release();
        }
    }

    private Task<long> WriteNow(string key, Action<SqliteConnection, long?, long> body) => Run(() =>
    {
        using var connection = Connect();
        SqliteWriteLock.Begin(connection, SqliteSchema.BusyTimeout);
        try
        {
            var revision = SqliteSchema.ReadMeta(connection, SqliteSchema.Revision) + 1;
            body(connection, SqliteSchema.KeyRevision(connection, key), revision);
            SqliteSchema.WriteMeta(connection, SqliteSchema.Revision, revision);
            if (revision % Math.Max(1, RetainedChanges / 10) == 0)
                SqliteSchema.Compact(connection, revision - RetainedChanges);
            SqliteWriteLock.Commit(connection);
            return revision;
        }
        catch
        {
            SqliteWriteLock.Rollback(connection);
            throw;
        }
    });

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        SqliteSchema.Configure(connection);
        return connection;
    }

    /// <summary>Runs a synchronous SQLite call; its failures (busy past the timeout, I/O, a missing file) become
    /// <see cref="DatastoreUnavailableException"/>. Rolled-back transactions leave nothing changed.</summary>
    private Task<T> Run<T>(Func<T> body)
    {
        try
        {
            return Task.FromResult(body());
        }
        catch (SqliteException e)
        {
            return Task.FromException<T>(new DatastoreUnavailableException($"sqlite {_path}: {e.Message}", e));
        }
        catch (DatastoreException e)
        {
            return Task.FromException<T>(e);
        }
    }
}
