using System.Diagnostics;
using Npgsql;

namespace AGServer.Support;

/// <summary>
/// A private PostgreSQL server: Debian's package (test.sh installs it), a fresh data directory under /tmp, a free port,
/// trust authentication on 127.0.0.1, stopped and deleted when disposed. Run as the <c>postgres</c> user when run as
/// root (PostgreSQL refuses root). The bench's history scenario and the tests' journal specs use it.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string User = "agserver";
    private readonly string _directory = Directory.CreateTempSubdirectory("agserver-pg-").FullName;
    private readonly int _port = Bench.BenchRunner.FreeTcpPort();
    private readonly string _bin;

    private PrivatePostgres(string bin) => _bin = bin;

    /// <summary>
    /// Starts a server. <paramref name="fsync"/> off suits tests (nothing outlives them); on, for a benchmark of what a
    /// durable write costs. Throws (never skips) when PostgreSQL is not installed.
    /// </summary>
    public static async Task<PrivatePostgres> StartAsync(bool fsync)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists)
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault() ?? ""
            : "";
        if (bin.Length == 0) throw new InvalidOperationException("PostgreSQL is not installed (test.sh installs Debian's postgresql package)");
        var server = new PrivatePostgres(bin);
        if (Environment.UserName == "root") await Run("chown", "-R", "postgres", server._directory);
        await server.RunAsServer("initdb", "-D", Path.Combine(server._directory, "data"), "-A", "trust", "-U", User);
        await server.RunAsServer("pg_ctl", "-D", Path.Combine(server._directory, "data"), "-w", "-l", Path.Combine(server._directory, "log"),
            "-o", $"-p {server._port} -k {server._directory} -c listen_addresses=127.0.0.1 -c fsync={(fsync ? "on" : "off")}", "start");
        return server;
    }

    /// <summary>A connection string to a new, empty database.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private string ConnectionString(string database) => $"Host=127.0.0.1;Port={_port};Username={User};Database={database};Pooling=false";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsServer("pg_ctl", "-D", Path.Combine(_directory, "data"), "-m", "immediate", "stop");
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private Task RunAsServer(string tool, params string[] args) =>
        Environment.UserName == "root"
            ? Run("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args])
            : Run(Path.Combine(_bin, tool), args);

    private static async Task Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await error}{await output}");
    }
}
