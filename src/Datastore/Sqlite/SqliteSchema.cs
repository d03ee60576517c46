using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace L3Net.Datastore.Sqlite;

/// <summary>The three tables and the statements over them. <c>kv</c>: current values with the revision of their
/// last change; <c>changes</c>: the log watchers read (one row per revision); <c>meta</c>: the store revision and the
/// highest compacted revision.</summary>
internal static class SqliteSchema
{
    public const string Revision = "revision";
    public const string Compacted = "compacted";

    /// <summary>How long a statement waits for a lock another process holds before the store reports unavailable.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Creates the tables once. Every CNI invocation opens the store, so the common case (schema present,
    /// journal already WAL) is answered by one read: the DDL would otherwise take the write lock in each process.</summary>
    public static void Ensure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('kv', 'changes', 'meta')) = 3
               AND (SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal') = 1
            """;
        if (command.ExecuteScalar() is 1L && Scalar(connection, "SELECT count(*) FROM meta WHERE name IN ('revision', $p)", Compacted) == 2)
            return;
        // WAL lets readers (watch polls) run beside the single writer; synchronous=NORMAL under WAL cannot corrupt
        // the file, it can only lose the last commits on power loss.
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, revision INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS changes (revision INTEGER PRIMARY KEY, key TEXT NOT NULL,
                deleted INTEGER NOT NULL, value BLOB);
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compacted', 0);
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Per-connection settings (not stored in the file).</summary>
    public static void Configure(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;";
        command.ExecuteNonQuery();
        // The last connection to close would checkpoint the WAL into the file (three fsyncs) and delete it, so that
        // the next process recreates it (two more). With no node daemon holding the file open, that is every CNI
        // invocation. The WAL stays bounded: a commit past 1000 pages checkpoints it (wal_autocheckpoint).
        raw.sqlite3_db_config(connection.Handle, raw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, out _);
    }

    public static long ReadMeta(SqliteConnection connection, string name)
        => Scalar(connection, "SELECT value FROM meta WHERE name = $p", name) ?? 0;

    public static void WriteMeta(SqliteConnection connection, string name, long value)
        => Execute(connection, "UPDATE meta SET value = $v WHERE name = $p", name, value);

    public static long? KeyRevision(SqliteConnection connection, string key)
        => Scalar(connection, "SELECT revision FROM kv WHERE key = $p", key);

    public static void Put(SqliteConnection connection, string key, ReadOnlyMemory<byte> value, long revision)
    {
        var bytes = value.ToArray();
        Execute(connection, "INSERT INTO kv VALUES ($p, $b, $v) ON CONFLICT(key) DO UPDATE SET value = $b, revision = $v",
            key, revision, bytes);
        Execute(connection, "INSERT INTO changes VALUES ($v, $p, 0, $b)", key, revision, bytes);
    }

    public static void Delete(SqliteConnection connection, string key, long revision)
    {
        Execute(connection, "DELETE FROM kv WHERE key = $p", key);
        Execute(connection, "INSERT INTO changes VALUES ($v, $p, 1, NULL)", key, revision);
    }

    /// <summary>Drops the log up to <paramref name="upTo"/>; watchers asking for those revisions must resync.</summary>
    public static void Compact(SqliteConnection connection, long upTo)
    {
        if (upTo <= 0)
            return;
        Execute(connection, "DELETE FROM changes WHERE revision <= $v", "", upTo);
        Execute(connection, "UPDATE meta SET value = max(value, $v) WHERE name = 'compacted'", "", upTo);
    }

    private static long? Scalar(SqliteConnection connection, string sql, string p)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", p);
        return command.ExecuteScalar() is long value ? value : null;
    }

    private static void Execute(SqliteConnection connection, string sql, string p, long v = 0, byte[]? b = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", p);
        command.Parameters.AddWithValue("$v", v);
        command.Parameters.AddWithValue("$b", (object?)b ?? DBNull.Value);
        command.ExecuteNonQuery();
    }
}
