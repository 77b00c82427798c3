using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using AGServer.Client;
using AGServer.Sockets;

namespace AGServer.Testing;

/// <summary>
/// A test's SocketCluster client on an in-memory node: <see cref="AGClientSocket"/> itself (AGServer.Client, the same
/// protocol code an application ships), connected over <see cref="SocketClusterServer.ConnectInMemoryAsync"/> and never reconnecting, with
/// what a test waits on: the next publication of a channel, the next transmit of an event, the next token the server
/// set, the close. Thread-safe. Made by <see cref="AGServerTestKit.ConnectAsync(string?, CancellationToken)"/>.
/// </summary>
public sealed class AGTestClient : IAsyncDisposable
{
    private readonly TimeSpan _timeout;
    private readonly JsonSerializerOptions _json;
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _publications = new();
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _transmits = new();
    private readonly ObservedTokenStore _tokens;
    private readonly CancellationTokenSource _stop = new();

    private AGTestClient(AGClientSocket socket, Task<(int Code, string? Reason)> closed, ObservedTokenStore tokens, TimeSpan timeout, JsonSerializerOptions json)
    {
        _json = json;
        Socket = socket;
        Closed = closed;
        _tokens = tokens;
        _timeout = timeout;
    }

    internal static async Task<AGTestClient> ConnectAsync(SocketClusterServer server, string? signedAuthToken, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = await server.ConnectInMemoryAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        var tokens = new ObservedTokenStore(signedAuthToken);
        var opened = 0;
        var socket = new AGClientSocket(new AGClientOptions
        {
            Uri = new Uri("memory://agserver/socketcluster/"),
            WebSocketFactory = (_, _) => Interlocked.Exchange(ref opened, 1) == 0
                ? ValueTask.FromResult(connection)
                : ValueTask.FromException<WebSocket>(new InvalidOperationException("A test client connects once.")),
            AutoReconnect = false,
            AckTimeout = timeout,
            ConnectTimeout = timeout,
            AuthTokenStore = tokens,
            ProtocolVersion = server.Options.ProtocolVersion,
            JsonSerializerOptions = server.Options.JsonSerializerOptions,
        });
        var closed = new TaskCompletionSource<(int Code, string? Reason)>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.Disconnected += (_, e) => closed.TrySetResult((e.Code, e.Reason));
        await socket.ConnectAsync(cancellationToken);
        tokens.Observe();
        return new AGTestClient(socket, closed.Task, tokens, timeout, server.Options.JsonSerializerOptions);
    }

    /// <summary>The client: everything <c>AGServer.Client</c> does (channels with recovery, presence, history, batching...).</summary>
    public AGClientSocket Socket { get; }

    /// <summary>The socket id the server gave in its handshake answer.</summary>
    public string Id => Socket.Id ?? "";

    /// <summary>The token the server gave (<c>#setAuthToken</c>) or the handshake accepted; null when logged out.</summary>
    public string? SignedAuthToken => Socket.SignedAuthToken;

    public bool IsAuthenticated => Socket.IsAuthenticated;

    /// <summary>The connection's close, once it happened (the server's, or this client's own): its code and reason.</summary>
    public Task<(int Code, string? Reason)> Closed { get; }

    /// <summary>Invokes <paramref name="procedure"/>; the answer's data, or the server's error thrown as an <see cref="AGClientError"/>.</summary>
    public Task<JsonElement> InvokeAsync(string procedure, object? data = null, CancellationToken cancellationToken = default) =>
        Socket.InvokeAsync<JsonElement>(procedure, data, cancellationToken);

    /// <summary><see cref="InvokeAsync(string, object?, CancellationToken)"/>, the answer deserialised into <typeparamref name="T"/>.</summary>
    public Task<T?> InvokeAsync<T>(string procedure, object? data = null, CancellationToken cancellationToken = default) =>
        Socket.InvokeAsync<T>(procedure, data, cancellationToken);

    /// <summary>Transmits <paramref name="event"/> to the server's receivers (fire and forget).</summary>
    public Task TransmitAsync(string @event, object? data = null) => Socket.TransmitAsync(@event, data);

    /// <summary>
    /// Subscribes to <paramref name="channel"/> and keeps its publications for <see cref="NextPublishAsync(string, CancellationToken)"/>;
    /// throws the server's error when refused (middleware, limits).
    /// </summary>
    public async Task SubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        var subscription = Socket.Subscribe(channel);
        var publications = Channel.CreateUnbounded<JsonElement>();
        if (_publications.TryAdd(channel, publications)) _ = KeepAsync(subscription, publications.Writer);
        await subscription.WhenSubscribedAsync(cancellationToken).WaitAsync(_timeout, cancellationToken);
    }

    public async Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        var subscription = Array.Find(Socket.Subscriptions(), s => s.Name == channel);
        if (subscription is not null) await subscription.UnsubscribeAsync(cancellationToken);
    }

    /// <summary>Publishes on <paramref name="channel"/> and waits until the server accepted it (the client's invokePublish).</summary>
    public Task PublishAsync(string channel, object? data, CancellationToken cancellationToken = default) =>
        Socket.InvokePublishAsync(channel, data, cancellationToken);

    /// <summary>Logs in with a signed token (<c>#authenticate</c>); throws the server's error when it refuses the token.</summary>
    public Task AuthenticateAsync(string signedAuthToken, CancellationToken cancellationToken = default) =>
        Socket.AuthenticateAsync(signedAuthToken, cancellationToken);

    /// <summary>Logs out (<c>#removeAuthToken</c>).</summary>
    public Task DeauthenticateAsync() => Socket.DeauthenticateAsync();

    /// <summary>The next message published on <paramref name="channel"/> (subscribe with <see cref="SubscribeAsync"/> first).</summary>
    public Task<JsonElement> NextPublishAsync(string channel, CancellationToken cancellationToken = default) =>
        _publications.TryGetValue(channel, out var publications)
            ? NextAsync(publications, $"channel {channel}", cancellationToken)
            : throw new InvalidOperationException($"Subscribe to '{channel}' with SubscribeAsync before reading its publications.");

    /// <summary>
    /// The data of the next transmit of <paramref name="event"/> the server sends this client, counted from the first
    /// call for that event: call it before what makes the server transmit, await it after.
    /// </summary>
    public Task<JsonElement> NextEventAsync(string @event, CancellationToken cancellationToken = default)
    {
        var transmits = _transmits.GetOrAdd(@event, name =>
        {
            var queue = Channel.CreateUnbounded<JsonElement>();
            Socket.OnTransmit<JsonElement>(name, data =>
            {
                queue.Writer.TryWrite(data);
                return Task.CompletedTask;
            });
            return queue;
        });
        return NextAsync(transmits, $"event {@event}", cancellationToken);
    }

    /// <summary><see cref="NextPublishAsync(string, CancellationToken)"/>, deserialised into <typeparamref name="T"/> (the server's JSON options).</summary>
    public async Task<T?> NextPublishAsync<T>(string channel, CancellationToken cancellationToken = default) =>
        (await NextPublishAsync(channel, cancellationToken)).Deserialize<T>(_json);

    /// <summary><see cref="NextEventAsync(string, CancellationToken)"/>, deserialised into <typeparamref name="T"/> (the server's JSON options).</summary>
    public async Task<T?> NextEventAsync<T>(string @event, CancellationToken cancellationToken = default) =>
        (await NextEventAsync(@event, cancellationToken)).Deserialize<T>(_json);

    /// <summary>
    /// The next change of this client's token after the handshake: the signed token the server set
    /// (<c>#setAuthToken</c>, or an accepted <see cref="AuthenticateAsync"/>), or null once removed (<c>#removeAuthToken</c>,
    /// <see cref="DeauthenticateAsync"/>).
    /// </summary>
    public Task<string?> NextTokenAsync(CancellationToken cancellationToken = default) => _tokens.NextAsync(_timeout, cancellationToken);

    /// <summary>Answers the server's invokes of <paramref name="procedure"/> with what <paramref name="handler"/> returns.</summary>
    public void OnInvoke(string procedure, Func<JsonElement, object?> handler) =>
        Socket.OnInvoke<JsonElement, object?>(procedure, (data, _) => Task.FromResult(handler(data)));

    /// <summary>Hangs up (a normal close, 1000), as a client that disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Socket.DisposeAsync();
        _stop.Dispose();
    }

    private async Task KeepAsync(AGClientChannel subscription, ChannelWriter<JsonElement> publications)
    {
        try
        {
            await foreach (var data in subscription.ListenAsync<JsonElement>(_stop.Token)) publications.TryWrite(data);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<T> NextAsync<T>(Channel<T> queue, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await queue.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(_timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Nothing on {what} within {_timeout.TotalSeconds:0.#} s");
        }
    }
}
