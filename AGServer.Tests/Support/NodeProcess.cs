using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AGServer.Tests.Support;

/// <summary>An AGServer.Conformance process (the built app from this test's output folder), for multi-process tests.</summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _output = new();

    private NodeProcess(string application, string[] args)
    {
        var app = Path.Combine(AppContext.BaseDirectory, application);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(app);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; private set; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts a Conformance app node and waits for its "listening on" line.</summary>
    public static Task<NodeProcess> Start(params string[] args) => StartApp("AGServer.Conformance.dll", args);

    /// <summary>Starts a node of <paramref name="application"/> (a dll beside the tests) and waits for its "listening on" line.</summary>
    public static async Task<NodeProcess> StartApp(string application, params string[] args)
    {
        var node = new NodeProcess(application, ["--port", "0", .. args]);
        try
        {
            node.Port = await node._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("The node did not start: " + node.Output);
        }
        return node;
    }

    /// <summary>
    /// Starts a Conformance app node on <paramref name="port"/> without waiting for it to be in a cluster (the app
    /// writes its "listening on" line only then; its HTTP port answers before, not ready).
    /// </summary>
    public static NodeProcess Launch(int port, params string[] args) => new("AGServer.Conformance.dll", ["--port", port.ToString(), .. args]) { Port = port };

    /// <summary>Kills the process at once, as a crash would.</summary>
    public void Crash() => _process.Kill(entireProcessTree: true);

    /// <summary>Sends SIGTERM and waits for the process to end.</summary>
    public async Task Terminate()
    {
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Completes once the process's output so far satisfies <paramref name="seen"/> (checked on each line it writes).</summary>
    public async Task WhenOutput(Func<string, bool> seen, TimeSpan timeout, string what)
    {
        var wait = (seen, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_output)
        {
            if (seen(_output.ToString())) return;
            _waits.Add(wait);
        }
        try
        {
            await wait.Item2.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The node did not log that it is {what} within {timeout.TotalSeconds} s: " + Output);
        }
    }

    private readonly List<(Func<string, bool> Seen, TaskCompletionSource Done)> _waits = new();

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (_waits.Count > 0)
            {
                var output = _output.ToString();
                foreach (var wait in _waits.Where(w => w.Seen(output)).ToList())
                {
                    _waits.Remove(wait);
                    wait.Done.TrySetResult();
                }
            }
        }
        var match = ListeningLine().Match(line);
        if (match.Success) _listening.TrySetResult(int.Parse(match.Groups[1].Value));
    }

    [GeneratedRegex(@"listening on ws://[^:]+:(\d+)/")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
