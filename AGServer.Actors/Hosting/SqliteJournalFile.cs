using Microsoft.Data.Sqlite;

namespace AGServer.Hosting;

/// <summary>
/// The SQLite history journal's file, made ready before the actor system starts: in write-ahead-log mode, which the
/// file keeps (a commit appends to the log instead of rewriting pages under a lock: writes stop waiting on readers and
/// on each other's page syncs).
/// </summary>
internal static class SqliteJournalFile
{
    public static void Prepare(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
