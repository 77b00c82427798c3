using System.Diagnostics;
using Npgsql;
using Xunit;

namespace AGServer.Tests.Support;

/// <summary>
/// A private PostgreSQL server for a test class: Debian's package (test.sh installs it), a fresh data directory
/// under /tmp, a free port, trust authentication on 127.0.0.1, stopped and deleted afterwards. Run as the
/// <c>postgres</c> user when the tests run as root (PostgreSQL refuses root). Fails, never skips, when PostgreSQL is
/// not installed.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string User = "agserver";
    private readonly string _directory = Directory.CreateTempSubdirectory("agserver-pg-").FullName;
    private readonly int _port = FreePort.Next();
    private string _bin = "";

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

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists)
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault() ?? ""
            : "";
        if (_bin.Length == 0) throw new InvalidOperationException("PostgreSQL is not installed (test.sh installs Debian's postgresql package)");
        if (Environment.UserName == "root") await Run("chown", "-R", "postgres", _directory);
        await RunAsServer("initdb", "-D", Path.Combine(_directory, "data"), "-A", "trust", "-U", User);
        await RunAsServer("pg_ctl", "-D", Path.Combine(_directory, "data"), "-w", "-l", Path.Combine(_directory, "log"),
            "-o", $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    public async Task DisposeAsync()
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
