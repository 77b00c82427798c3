using System.Diagnostics;

namespace AGServer.Bench;

/// <summary>
/// A Node.js script of bench/reference in a process of its own, spoken to by lines: the load it generates is measured
/// by another client stack than the bench's, and holds its own open files (at most 20,000 per process here).
/// </summary>
public sealed class NodeScript : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly System.Text.StringBuilder _errors = new();
    private readonly List<(Func<string, bool> Matches, TaskCompletionSource<string> Line)> _waits = [];
    private readonly List<string> _lines = [];

    private NodeScript(string script, IEnumerable<string> args)
    {
        _name = script;
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(Paths.ReferenceDirectory(), script));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_errors) _errors.AppendLine(e.Data);
        };
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) =>
        {
            lock (_lines)
            {
                foreach (var (_, line) in _waits) line.TrySetException(new InvalidOperationException($"{_name} exited ({_process.ExitCode}): {Errors}"));
                _waits.Clear();
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static NodeScript Start(string script, params string[] args) => new(script, args);

    /// <summary>What the script wrote to stderr so far (its warnings, such as sockets that failed).</summary>
    public string Errors
    {
        get { lock (_errors) return _errors.ToString(); }
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waits.Count - 1; i >= 0; i--)
                if (_waits[i].Matches(line))
                {
                    _waits[i].Line.TrySetResult(line);
                    _waits.RemoveAt(i);
                }
        }
    }

    /// <summary>The first line (already written or still to come) that <paramref name="matches"/>.</summary>
    public Task<string> Line(Func<string, bool> matches, TimeSpan timeout)
    {
        lock (_lines)
        {
            if (_lines.FirstOrDefault(matches) is { } seen) return Task.FromResult(seen);
            if (_process.HasExited) return Task.FromException<string>(new InvalidOperationException($"{_name} exited ({_process.ExitCode}): {Errors}"));
            var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((matches, line));
            return line.Task.WaitAsync(timeout);
        }
    }

    public Task Send(string line) => _process.StandardInput.WriteLineAsync(line);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
