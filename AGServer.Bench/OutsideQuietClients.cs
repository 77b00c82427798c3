using System.Diagnostics;
using System.Text.Json;

namespace AGServer.Bench;

/// <summary>
/// Quiet clients in a process of their own, on Node.js <c>ws</c> (bench/reference/quiet-clients.js): their latency
/// is measured by another client stack than the bench's, away from the load the bench process generates.
/// </summary>
public sealed class OutsideQuietClients : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _report = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _errors = new();

    private OutsideQuietClients(Uri url, int count, Uri? health)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(Paths.ReferenceDirectory(), "quiet-clients.js"));
        start.ArgumentList.Add(url.ToString());
        start.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (health is not null) start.ArgumentList.Add(health.ToString());
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready") _ready.TrySetResult();
            else if (e.Data?.StartsWith('{') == true) _report.TrySetResult(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_errors) _errors.AppendLine(e.Data);
        };
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) =>
        {
            var failure = new InvalidOperationException($"quiet-clients.js exited ({_process.ExitCode}): {Errors}");
            _ready.TrySetException(failure);
            _report.TrySetException(failure);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private string Errors
    {
        get { lock (_errors) return _errors.ToString(); }
    }

    /// <summary>
    /// Starts <paramref name="count"/> quiet clients of <paramref name="url"/> (and a probe of <paramref name="health"/>
    /// every 100 ms, when given); returns once all are handshaken.
    /// </summary>
    public static async Task<OutsideQuietClients> Start(Uri url, int count, Uri? health = null)
    {
        var clients = new OutsideQuietClients(url, count, health);
        await clients._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return clients;
    }

    /// <summary>Names the phase the following answers count under.</summary>
    public Task Phase(string phase) => _process.StandardInput.WriteLineAsync(phase);

    /// <summary>Stops the clients and returns each phase's echo p99 and health p99 (ms), and the requests that failed.</summary>
    public async Task<(Dictionary<string, double> P99, Dictionary<string, double> HealthP99, int Failed)> Report()
    {
        await _process.StandardInput.WriteLineAsync("report");
        using var report = JsonDocument.Parse(await _report.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var p99 = new Dictionary<string, double>();
        var healthP99 = new Dictionary<string, double>();
        var failed = 0;
        foreach (var property in report.RootElement.EnumerateObject())
        {
            if (property.Name == "failed") failed = property.Value.GetInt32();
            else if (property.Name == "health")
                foreach (var phase in property.Value.EnumerateObject()) healthP99[phase.Name] = phase.Value.GetProperty("p99").GetDouble();
            else p99[property.Name] = property.Value.GetProperty("p99").GetDouble();
        }
        return (p99, healthP99, failed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
