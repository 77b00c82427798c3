using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AGServer.Protocol;
using AGServer.Sockets;

namespace AGServer.Testing;

/// <summary>
/// A SocketCluster client for tests, connected to an in-memory node: it handshakes, invokes, transmits, subscribes,
/// publishes, receives publishes and transmits, answers the server's invokes, and logs in, speaking the same frames as
/// <c>socketcluster-client</c>. Thread-safe. Made by <see cref="AGServerTestKit.ConnectAsync(string?, CancellationToken)"/>.
/// </summary>
public sealed class AGTestClient : IAsyncDisposable
{
    private readonly InMemoryTransport _transport;
    private readonly TimeSpan _timeout;
    private readonly JsonSerializerOptions _json;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _calls = new();
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _publishes = new();
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _events = new();
    private readonly ConcurrentDictionary<string, Func<JsonElement, object?>> _procedures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private long _nextCid;

    private AGTestClient(InMemoryTransport transport, TimeSpan timeout, JsonSerializerOptions json)
    {
        _transport = transport;
        _timeout = timeout;
        _json = json;
        _reading = Task.Run(ReadAsync);
    }

    internal static async Task<AGTestClient> ConnectAsync(SocketClusterServer server, string? signedAuthToken, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var transport = await InMemoryTransport.ConnectAsync(server, cancellationToken: cancellationToken).WaitAsync(timeout, cancellationToken);
        var client = new AGTestClient(transport, timeout, server.Options.JsonSerializerOptions);
        var handshake = await client.CallAsync("#handshake", new JsonObject { ["authToken"] = signedAuthToken }, cancellationToken);
        client.Id = handshake.GetProperty("id").GetString()!;
        if (handshake.TryGetProperty("isAuthenticated", out var authenticated) && authenticated.ValueKind == JsonValueKind.True)
            client.SignedAuthToken = signedAuthToken;
        return client;
    }

    /// <summary>The socket id the server gave in its handshake answer.</summary>
    public string Id { get; private set; } = "";

    /// <summary>The token the server gave (<c>#setAuthToken</c>) or the handshake accepted; null when logged out.</summary>
    public string? SignedAuthToken { get; private set; }

    public bool IsAuthenticated => SignedAuthToken is not null;

    /// <summary>The close the server sent, once it did: its code and reason.</summary>
    public Task<(int Code, string? Reason)> Closed => _transport.Closed;

    /// <summary>Invokes <paramref name="procedure"/>; the answer's data, or the server's error thrown as an <see cref="AGError"/>.</summary>
    public Task<JsonElement> InvokeAsync(string procedure, object? data = null, CancellationToken cancellationToken = default) =>
        CallAsync(procedure, ToNode(data), cancellationToken);

    /// <summary><see cref="InvokeAsync(string, object?, CancellationToken)"/>, the answer deserialised into <typeparamref name="T"/>.</summary>
    public async Task<T?> InvokeAsync<T>(string procedure, object? data = null, CancellationToken cancellationToken = default)
    {
        var answer = await InvokeAsync(procedure, data, cancellationToken);
        return answer.ValueKind == JsonValueKind.Undefined ? default : answer.Deserialize<T>(_json);
    }

    /// <summary>Transmits <paramref name="event"/> to the server's receivers (fire and forget).</summary>
    public Task TransmitAsync(string @event, object? data = null) => SendAsync(@event, ToNode(data), null);

    /// <summary>Subscribes to <paramref name="channel"/>; throws the server's error when refused (middleware, limits).</summary>
    public Task SubscribeAsync(string channel, CancellationToken cancellationToken = default) =>
        CallAsync("#subscribe", new JsonObject { ["channel"] = channel }, cancellationToken);

    public Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default) =>
        CallAsync("#unsubscribe", JsonValue.Create(channel), cancellationToken);

    /// <summary>Publishes on <paramref name="channel"/> and waits until the server accepted it (the client's invokePublish).</summary>
    public Task PublishAsync(string channel, object? data, CancellationToken cancellationToken = default) =>
        CallAsync("#publish", new JsonObject { ["channel"] = channel, ["data"] = ToNode(data) }, cancellationToken);

    /// <summary>Logs in with a signed token (<c>#authenticate</c>); true when the server accepted it.</summary>
    public async Task<bool> AuthenticateAsync(string signedAuthToken, CancellationToken cancellationToken = default)
    {
        var answer = await CallAsync("#authenticate", JsonValue.Create(signedAuthToken), cancellationToken);
        var accepted = answer.TryGetProperty("isAuthenticated", out var flag) && flag.ValueKind == JsonValueKind.True;
        if (accepted) SignedAuthToken = signedAuthToken;
        return accepted;
    }

    /// <summary>Logs out (<c>#removeAuthToken</c>).</summary>
    public Task DeauthenticateAsync()
    {
        SignedAuthToken = null;
        return SendAsync("#removeAuthToken", null, null);
    }

    /// <summary>The next message published on <paramref name="channel"/> (subscribe first).</summary>
    public Task<JsonElement> NextPublishAsync(string channel, CancellationToken cancellationToken = default) =>
        NextAsync(_publishes, channel, cancellationToken);

    /// <summary>
    /// The data of the next <paramref name="event"/> the server sent this client: a transmit, an invoke no
    /// <see cref="OnInvoke"/> handler answers, or a system event such as <c>#kickOut</c> or <c>#setAuthToken</c>.
    /// </summary>
    public Task<JsonElement> NextEventAsync(string @event, CancellationToken cancellationToken = default) =>
        NextAsync(_events, @event, cancellationToken);

    /// <summary><see cref="NextPublishAsync(string, CancellationToken)"/>, deserialised into <typeparamref name="T"/> (the server's JSON options).</summary>
    public async Task<T?> NextPublishAsync<T>(string channel, CancellationToken cancellationToken = default) =>
        (await NextPublishAsync(channel, cancellationToken)).Deserialize<T>(_json);

    /// <summary><see cref="NextEventAsync(string, CancellationToken)"/>, deserialised into <typeparamref name="T"/> (the server's JSON options).</summary>
    public async Task<T?> NextEventAsync<T>(string @event, CancellationToken cancellationToken = default) =>
        (await NextEventAsync(@event, cancellationToken)).Deserialize<T>(_json);

    /// <summary>Answers the server's invokes of <paramref name="procedure"/> with what <paramref name="handler"/> returns.</summary>
    public void OnInvoke(string procedure, Func<JsonElement, object?> handler) => _procedures[procedure] = handler;

    /// <summary>Hangs up (a normal close, 1000), as a client that disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_transport.Closed.IsCompleted) await _transport.HangUp(CloseCodes.Normal);
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }

    private async Task<JsonElement> CallAsync(string @event, JsonNode? data, CancellationToken cancellationToken)
    {
        var cid = Interlocked.Increment(ref _nextCid);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[cid] = answer;
        try
        {
            await SendAsync(@event, data, cid);
            return await answer.Task.WaitAsync(_timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutError($"No answer to {@event} within {_timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            _calls.TryRemove(cid, out _);
        }
    }

    private Task SendAsync(string @event, JsonNode? data, long? cid)
    {
        var packet = new JsonObject { ["event"] = @event };
        if (data is not null) packet["data"] = data;
        if (cid is { } id) packet["cid"] = id;
        return _transport.Receive(packet.ToJsonString());
    }

    private JsonNode? ToNode(object? data) => data switch
    {
        null => null,
        JsonNode node => node,
        _ => JsonSerializer.SerializeToNode(data, data.GetType(), _json),
    };

    private async Task<JsonElement> NextAsync(ConcurrentDictionary<string, Channel<JsonElement>> queues, string name, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            return await Queue(queues, name).Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutError($"Nothing on {name} within {_timeout.TotalSeconds:0.#} s");
        }
    }

    private static Channel<JsonElement> Queue(ConcurrentDictionary<string, Channel<JsonElement>> queues, string name) =>
        queues.GetOrAdd(name, _ => Channel.CreateUnbounded<JsonElement>());

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var frame in _transport.Sent.ReadAllAsync(_stop.Token))
            {
                if (frame == "#1") await _transport.Receive("#2");
                else if (frame.Length > 0) await DispatchAsync(JsonDocument.Parse(frame).RootElement.Clone());
            }
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var call in _calls.Values)
            call.TrySetException(new BadConnectionError("The test client hung up before the answer came", "disconnect"));
    }

    /// <summary>The answer to a server invoke: the handler's result, or its exception as the client's error.</summary>
    private JsonObject Answer(long cid, Func<JsonElement, object?> handler, JsonElement data)
    {
        try
        {
            return new JsonObject { ["rid"] = cid, ["data"] = ToNode(handler(data)) };
        }
        catch (Exception error)
        {
            var name = error is INamedError named ? named.Name : error.GetType().Name;
            return new JsonObject { ["rid"] = cid, ["error"] = new JsonObject { ["name"] = name, ["message"] = error.Message } };
        }
    }

    private async Task DispatchAsync(JsonElement packet)
    {
        if (packet.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in packet.EnumerateArray()) await DispatchAsync(item);
            return;
        }
        var data = packet.TryGetProperty("data", out var d) ? d : default;
        if (packet.TryGetProperty("rid", out var rid) && _calls.TryGetValue(rid.GetInt64(), out var call))
        {
            if (packet.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null) call.TrySetException(ErrorOf(error));
            else call.TrySetResult(data);
            return;
        }
        if (!packet.TryGetProperty("event", out var e) || e.GetString() is not { } @event) return;
        long? cid = packet.TryGetProperty("cid", out var c) ? c.GetInt64() : null;
        switch (@event)
        {
            case "#publish":
                Queue(_publishes, data.GetProperty("channel").GetString()!).Writer.TryWrite(data.TryGetProperty("data", out var message) ? message : default);
                break;
            case "#setAuthToken":
                SignedAuthToken = data.GetProperty("token").GetString();
                break;
            case "#removeAuthToken":
                SignedAuthToken = null;
                break;
        }
        if (@event != "#publish") Queue(_events, @event).Writer.TryWrite(data);
        if (cid is not { } id) return;
        if (_procedures.TryGetValue(@event, out var handler))
            await _transport.Receive(Answer(id, handler, data).ToJsonString());
        else if (@event.StartsWith('#'))
            await _transport.Receive(new JsonObject { ["rid"] = id }.ToJsonString()); // acknowledge, as the real client does
    }

    /// <summary>A client error from the server's answer, as socketcluster-client rebuilds it: its name, message and fields.</summary>
    private static ClientError ErrorOf(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
            return new ClientError("Error", error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText(), error.Clone());
        var name = error.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "Error";
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "Invalid error message format";
        return new ClientError(name, message, error.Clone());
    }
}
