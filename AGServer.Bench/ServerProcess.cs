using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AGServer.Bench;

/// <summary>A server under test, as a process: its URL, and its CPU time and RSS read from /proc.</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _log = new();
    private readonly Stopwatch _started;

    private ServerProcess(string file, IEnumerable<string> args, string name)
    {
        Name = name;
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in ExtraEnvironment) start.Environment[key] = value;
        _process = Process.Start(start)!;
        _started = Stopwatch.StartNew();
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>How long ago the process started.</summary>
    public TimeSpan Uptime => _started.Elapsed;

    /// <summary>Environment variables every server starts with (<c>--server-env</c>: runtime settings tried on the servers alone, not on the load generator).</summary>
    public static Dictionary<string, string> ExtraEnvironment { get; } = new();

    /// <summary>Starts every server under <c>taskset -c 0</c>, so its CPU figures do not depend on the load generator's.</summary>
    public static bool PinToCoreZero { get; set; }

    public Uri Url { get; private set; } = null!;

    /// <summary>
    /// AGServer.Conformance from this program's folder, without its event records (kept 60 s per socket for the
    /// conformance tests): the reference app keeps none, and the benchmarks measure the servers.
    /// </summary>
    public static Task<ServerProcess> StartAGServer(params string[] args) => StartPublicAGServer([.. NoRateLimits, .. args]);

    /// <summary>
    /// AGServer with its public-server rate limits (as <see cref="StartAGServer"/> otherwise): the abuse scenarios
    /// measure what those defaults do for the other clients.
    /// </summary>
    public static Task<ServerProcess> StartPublicAGServer(params string[] args) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "AGServer.Conformance.dll"), "--port", "0", "--Conformance:RecordEvents=false",
            .. LoadFromOneAddress, .. args], "AGServer");

    /// <summary>
    /// The throughput scenarios drive a few sockets as hard as they go, which a public server's per-socket rate limits
    /// would cap (socketcluster-server has none): they measure the servers' costs with the limits off.
    /// </summary>
    private static readonly string[] NoRateLimits =
    [
        "--AGServer:RateLimits:Invoke:*:PerSecond=0", "--AGServer:RateLimits:Transmit:*:PerSecond=0", "--AGServer:RateLimits:Subscribe:*:PerSecond=0",
        "--AGServer:RateLimits:Publish:*:PerSecond=0", "--AGServer:RateLimits:FanOut:*:PerSecond=0",
    ];

    /// <summary>
    /// The bench opens tens of thousands of connections from one address, faster than a public server's defaults let
    /// one address or the whole node connect: those two limits are raised so the server's own costs are measured (their
    /// checks still run on every upgrade).
    /// </summary>
    private static readonly string[] LoadFromOneAddress =
        ["--AGServer:MaxConnectionsPerAddress=1000000", "--AGServer:HandshakeRateLimit:PerSecond=1000000", "--AGServer:HandshakeRateLimit:Burst=1000000"];

    /// <summary>The floor: AGServer.Bench.Floor from this program's folder (bare Kestrel WebSockets, no actors).</summary>
    public static Task<ServerProcess> StartFloor(params string[] args) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "AGServer.Bench.Floor.dll"), "--port", "0", .. args], "floor");

    /// <summary>The socketcluster-server reference app (bench/reference, installed by npm ci).</summary>
    public static Task<ServerProcess> StartReference(params string[] args) =>
        Start("node", [Path.Combine(Paths.ReferenceDirectory(), "server.js"), "--port", "0"], "socketcluster-server");

    /// <summary>socketcluster-server with the Conformance procedures AGServer.Client's specs use (bench/reference/client-conformance.js).</summary>
    public static Task<ServerProcess> StartClientConformanceReference() =>
        Start("node", [Path.Combine(Paths.ReferenceDirectory(), "client-conformance.js"), "--port", "0"], "socketcluster-server");

    private static async Task<ServerProcess> Start(string file, string[] args, string name)
    {
        // taskset execs the server in its own process, so the pid (and its /proc figures) is the server's.
        var server = PinToCoreZero ? new ServerProcess("taskset", ["-c", "0", file, .. args], name) : new ServerProcess(file, args, name);
        try
        {
            server.Url = await server._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"{name} did not start: {server._log}");
        }
        return server;
    }

    /// <summary>What the process wrote so far (standard output and error).</summary>
    public string Output
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>
    /// User plus system CPU time of the process so far, in milliseconds: from its CPU clock (to the nanosecond), or
    /// where that cannot be read from <c>/proc/pid/stat</c> (to the clock tick).
    /// </summary>
    public double CpuMilliseconds()
    {
        if (ProcessCpuClock.Milliseconds(_process.Id) is { } exact) return exact;
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of /proc/pid/stat (utime, stime) are the 12th and 13th after the command name.
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
        return ticks * 1000.0 / ClockTicksPerSecond;
    }

    /// <summary>
    /// The process's threads now, and the context switches of all of them so far (voluntary: a thread waited;
    /// involuntary: the scheduler took the core), summed over <c>/proc/pid/task/*/status</c>: how often the server
    /// slept and woke, which its CPU per operation follows.
    /// </summary>
    public (int Threads, long Voluntary, long Involuntary) Scheduling()
    {
        var (threads, voluntary, involuntary) = (0, 0L, 0L);
        foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)) voluntary += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim());
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal)) involuntary += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim());
                }
                threads++;
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }
        return (threads, voluntary, involuntary);
    }

    /// <summary>Resident set size in bytes.</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    /// <summary>USER_HZ; 100 on every Linux this runs on.</summary>
    private const double ClockTicksPerSecond = 100;

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
        var match = Listening().Match(line);
        if (match.Success) _listening.TrySetResult(new Uri(match.Groups[1].Value));
    }

    [GeneratedRegex(@"listening on (ws://\S+)")]
    private static partial Regex Listening();

    /// <summary>Stops the server as an operator does (SIGTERM) and waits for it to exit (a minute at most, then it is killed).</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} did not exit within a minute of SIGTERM: {_log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

internal static class Paths
{
    /// <summary>bench/reference in the source tree, found from this program's folder.</summary>
    public static string ReferenceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "reference");
            if (File.Exists(Path.Combine(candidate, "server.js"))) return candidate;
        }
        throw new DirectoryNotFoundException("bench/reference/server.js not found above " + AppContext.BaseDirectory);
    }
}
