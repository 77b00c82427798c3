using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AGServer.Tests.Support;

/// <summary>An event a real socketcluster-client pushed: its client name, event name and data.</summary>
public sealed record JsEvent(string Client, string Event, JsonNode? Data);

/// <summary>A failed command: the dehydrated error the real client raised.</summary>
public sealed class JsError(JsonNode error) : Exception($"{error["name"]}: {error["message"]}")
{
    public JsonNode Error { get; } = error;
    public string Name => Error["name"]!.GetValue<string>();
}

/// <summary>
/// Drives real socketcluster-client instances in a Node.js process (js/driver.js). Commands are awaited;
/// client events are recorded and awaited with <see cref="WaitFor"/>, never slept for.
/// </summary>
public sealed class JsClients : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _node;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _replies = new();
    private readonly List<JsEvent> _events = new();
    private readonly object _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _stderr = new();
    private int _nextId;

    private JsClients(int port)
    {
        Port = port;
        var directory = ScriptDirectory();
        _node = Process.Start(new ProcessStartInfo("node", "driver.js")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _node.OutputDataReceived += (_, e) => OnLine(e.Data);
        _node.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data);
        };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>AGServer.Tests/js in the source tree (where npm ci installed the client), found from the test binaries.</summary>
    private static string ScriptDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "AGServer.Tests", "js");
            if (File.Exists(Path.Combine(candidate, "driver.js"))) return candidate;
        }
        throw new DirectoryNotFoundException("AGServer.Tests/js/driver.js not found above " + AppContext.BaseDirectory);
    }

    public static async Task<JsClients> Start(int port)
    {
        var clients = new JsClients(port);
        await clients._ready.Task.WaitAsync(DefaultTimeout);
        return clients;
    }

    /// <summary>Creates a client called <paramref name="name"/> and waits until it has connected.</summary>
    /// <summary>Creates a client on <paramref name="port"/> (this driver's server unless given) and waits until it has connected.</summary>
    public async Task<JsonNode> Connect(string name, object? options = null, int? port = null)
    {
        await Create(name, options, port: port);
        return (await Call("connected", new { client = name }))!;
    }

    public Task<JsonNode?> Create(string name, object? options = null, string? storedToken = null, int? port = null) =>
        Call("create", new { client = name, port = port ?? Port, options = options ?? new { autoReconnect = false }, storedToken });

    /// <summary>Sends one command and returns its result, or throws <see cref="JsError"/>.</summary>
    public async Task<JsonNode?> Call(string op, object args, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _replies[id] = reply;
        var command = JsonSerializer.SerializeToNode(args)!.AsObject();
        command["id"] = id;
        command["op"] = op;
        lock (_node) _node.StandardInput.WriteLine(command.ToJsonString());
        try
        {
            return await reply.Task.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"JS command {op} got no answer. stderr: {Stderr}");
        }
    }

    public Task<JsonNode?> Invoke(string client, string procedure, object? data = null, int? ackTimeout = null) =>
        Call("invoke", new { client, procedure, data, ackTimeout });

    public Task<JsonNode?> Transmit(string client, string @event, object? data = null) =>
        Call("transmit", new { client, @event, data });

    /// <summary>Waits for the first recorded event matching, including ones already recorded.</summary>
    public async Task<JsEvent> WaitFor(string client, string @event, Func<JsEvent, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var found = _events.FirstOrDefault(e => e.Client == client && e.Event == @event && (match?.Invoke(e) ?? true));
                if (found is not null) return found;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"No '{@event}' event on client {client}. Seen: {string.Join(", ", Events(client).Select(e => e.Event))}");
        }
    }

    /// <summary>Waits until <paramref name="count"/> events of this name were recorded for the client and returns them in order.</summary>
    public async Task<IReadOnlyList<JsEvent>> WaitForCount(string client, string @event, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var found = _events.Where(e => e.Client == client && e.Event == @event).ToList();
                if (found.Count >= count) return found;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"Expected {count} '{@event}' events on {client}, got {Events(client).Count(e => e.Event == @event)}");
        }
    }

    public IReadOnlyList<JsEvent> Events(string client)
    {
        lock (_gate) return _events.Where(e => e.Client == client).ToList();
    }

    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        var message = JsonNode.Parse(line)!.AsObject();
        if (message.ContainsKey("ready"))
        {
            _ready.TrySetResult();
            return;
        }
        if (message["id"] is { } id)
        {
            if (!_replies.TryRemove(id.GetValue<int>(), out var reply)) return;
            if (message["ok"]!.GetValue<bool>()) reply.TrySetResult(message["result"]?.DeepClone());
            else reply.TrySetException(new JsError(message["error"]!.DeepClone()));
            return;
        }
        var recorded = new JsEvent(message["client"]!.GetValue<string>(), message["event"]!.GetValue<string>(), message["data"]?.DeepClone());
        TaskCompletionSource changed;
        lock (_gate)
        {
            _events.Add(recorded);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _node.StandardInput.Close();
            await _node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch
        {
            _node.Kill(entireProcessTree: true);
        }
        _node.Dispose();
    }
}
