using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace L3Net.Datastore.Sqlite;

/// <summary>
/// Takes the database's single write lock (<c>BEGIN IMMEDIATE</c>) by polling every millisecond or two with jitter.
/// SQLite's own busy handler sleeps up to 100 ms between attempts once it has waited a while, and Microsoft.Data.Sqlite
/// adds 150 ms sleeps on top; with dozens of CNI processes queueing for the lock, most of them then sleep while the
/// lock is free (50 concurrent pod ADDs took 18 s that way). A write transaction holds the lock for about a
/// millisecond, so short polls hand it over promptly.
/// </summary>
internal static class SqliteWriteLock
{
    public static void Begin(SqliteConnection connection, TimeSpan timeout)
    {
        var db = connection.Handle!;
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        raw.sqlite3_busy_timeout(db, 0);
        try
        {
            while (true)
            {
                var rc = raw.sqlite3_exec(db, "BEGIN IMMEDIATE");
                if (rc == raw.SQLITE_OK)
                    return;
                if (rc != raw.SQLITE_BUSY || Environment.TickCount64 > deadline)
                    SqliteException.ThrowExceptionForRC(rc, db);
                Thread.Sleep(Random.Shared.Next(0, 3));
            }
        }
        finally
        {
            raw.sqlite3_busy_timeout(db, (int)timeout.TotalMilliseconds);
        }
    }

    public static void Commit(SqliteConnection connection) => Exec(connection, "COMMIT");

    /// <summary>Best effort after a failure: a connection whose transaction is already gone has nothing to undo.</summary>
    public static void Rollback(SqliteConnection connection) => raw.sqlite3_exec(connection.Handle!, "ROLLBACK");

    private static void Exec(SqliteConnection connection, string sql)
    {
        var rc = raw.sqlite3_exec(connection.Handle!, sql);
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }
}
