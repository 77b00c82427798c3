using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace AGServer.Client;

/// <summary>A frame as the server sent it (see <see cref="AGClientSocket.RawFrames"/>).</summary>
internal delegate void RawFrameObserver(ReadOnlySpan<byte> frame);

/// <summary>A client connection's state (socketcluster-client's <c>socket.state</c>).</summary>
public enum AGClientState
{
    /// <summary>Not connected (never, or since the connection was lost or closed).</summary>
    Closed,

    /// <summary>Opening the connection or waiting for the handshake's answer.</summary>
    Connecting,

    /// <summary>Handshaken: calls go out at once.</summary>
    Open,
}

/// <summary>
/// A SocketCluster client with socketcluster-client 20's behaviour, for AGServer and socketcluster-server: invoke and
/// transmit both ways, channels, JWT auth with a pluggable token store, automatic reconnect with back-off that
/// subscribes every channel again. Thread-safe; nothing blocks a thread. One connection at a time: frames are read by
/// one loop and written one at a time.
/// </summary>
public sealed class AGClientSocket : IAsyncDisposable
{
    private static readonly byte[] PongV1 = Encoding.UTF8.GetBytes("#2");

    private readonly AGClientOptions _options;
    private readonly ConcurrentDictionary<long, PendingCall> _calls = new();
    private readonly ConcurrentDictionary<string, AGClientChannel> _channels = new();
    private readonly ConcurrentDictionary<string, Func<JsonElement, CancellationToken, Task<object?>>> _procedures = new();
    private readonly ConcurrentDictionary<string, Func<JsonElement, Task>> _receivers = new();
    private readonly object _gate = new();
    private readonly Random _random = new();
    private TaskCompletionSource<bool> _opened = NewOpenSignal();
    private Connection? _connection;
    private CancellationTokenSource _lifetime = new();
    private bool _wantOpen;
    private int _reconnectAttempt;
    private int _reconnecting;
    private const int MaxBatch = 1000;
    private readonly object _batchGate = new();
    private List<byte[]>? _batch;
    private Timer? _batchTimer;
    private long _cid;
    private volatile AGClientState _state = AGClientState.Closed;
    private volatile AuthSnapshot _auth = AuthSnapshot.None;

    /// <summary>A client with <paramref name="options"/> (checked now: an <see cref="ArgumentException"/> lists every problem); not connected yet.</summary>
    public AGClientSocket(AGClientOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>Closed, connecting or open.</summary>
    public AGClientState State => _state;

    /// <summary>The socket id the server gave in its handshake answer (null until connected).</summary>
    public string? Id { get; private set; }

    /// <summary>The socket has a token the server accepted (handshake, <c>#setAuthToken</c> or <see cref="AuthenticateAsync"/>).</summary>
    public bool IsAuthenticated => _auth.Payload is not null;

    /// <summary>The signed token the socket is authenticated with.</summary>
    public string? SignedAuthToken => _auth.Signed;

    /// <summary>The token's payload (its claims).</summary>
    public JsonElement? AuthToken => _auth.Payload;

    internal JsonSerializerOptions JsonOptions => _options.JsonSerializerOptions;

    /// <summary>The handshake completed (after <see cref="ConnectAsync"/> and after each reconnect).</summary>
    public event EventHandler? Connected;

    /// <summary>The connection closed or was lost, with the WebSocket close code and reason.</summary>
    public event EventHandler<AGDisconnectedEventArgs>? Disconnected;

    /// <summary>Something went wrong that no call can be told of (a handler threw, a reconnect failed, a frame was garbage).</summary>
    public event EventHandler<Exception>? Error;

    /// <summary>The socket became authenticated or unauthenticated.</summary>
    public event EventHandler<bool>? AuthenticationChanged;

    /// <summary>
    /// The connection's events (the C# events above, in order) from now until <paramref name="cancellationToken"/> stops
    /// the reading: socketcluster-client's <c>for await (const event of socket.listener(...))</c>. Each reader has a
    /// buffer of its own of 1,000 events; a reader that falls that far behind loses the oldest (events say what happened,
    /// they hold no data).
    /// </summary>
    public async IAsyncEnumerable<AGClientEvent> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var events = Channel.CreateBounded<AGClientEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        void OnConnected(object? sender, EventArgs e) => events.Writer.TryWrite(new AGClientEvent(AGClientEventKind.Connected));
        void OnDisconnected(object? sender, AGDisconnectedEventArgs e) => events.Writer.TryWrite(new AGClientEvent(AGClientEventKind.Disconnected, e.Code, e.Reason));
        void OnError(object? sender, Exception e) => events.Writer.TryWrite(new AGClientEvent(AGClientEventKind.Error, Error: e));
        void OnAuthentication(object? sender, bool authenticated) =>
            events.Writer.TryWrite(new AGClientEvent(AGClientEventKind.AuthenticationChanged, IsAuthenticated: authenticated));
        Connected += OnConnected;
        Disconnected += OnDisconnected;
        Error += OnError;
        AuthenticationChanged += OnAuthentication;
        try
        {
            while (await events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (events.Reader.TryRead(out var next))
                    yield return next;
        }
        finally
        {
            Connected -= OnConnected;
            Disconnected -= OnDisconnected;
            Error -= OnError;
            AuthenticationChanged -= OnAuthentication;
        }
    }

    /// <summary>
    /// Opens the connection and completes the handshake (sending the stored token); completes once open. A lost
    /// connection is then opened again automatically (<see cref="AGClientOptions.AutoReconnect"/>) until
    /// <see cref="DisconnectAsync"/>. A first attempt that fails throws and does not retry.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_state != AGClientState.Closed) throw new InvalidOperationException($"The socket is already {_state}.");
            _wantOpen = true;
            if (_lifetime.IsCancellationRequested) _lifetime = new CancellationTokenSource();
        }
        try
        {
            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate) _wantOpen = false;
            throw;
        }
    }

    /// <summary>
    /// Closes the connection (code 1000 unless given) and stops reconnecting; what was sent before is written first (for at
    /// most 5 s with the close). Pending calls fail with BadConnectionError.
    /// </summary>
    public async Task DisconnectAsync(int code = 1000, string? reason = null)
    {
        Connection? connection;
        lock (_gate)
        {
            _wantOpen = false;
            _lifetime.Cancel();
            connection = _connection;
        }
        if (connection is null) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.Outbox.WhenDrained().WaitAsync(timeout.Token).ConfigureAwait(false); // what was sent goes before the close, as with socketcluster-client
            await connection.Socket.CloseAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception) when (connection.Socket.State != WebSocketState.Open)
        {
            // Already gone: the receive loop reports the loss.
        }
        catch (OperationCanceledException)
        {
            connection.Socket.Abort();
        }
        OnConnectionLost(connection, code, reason);
        await connection.LossHandled.ConfigureAwait(false); // whoever noticed first has finished: state and channels are settled
    }

    /// <summary>Disconnects (1000) and stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_batchGate)
        {
            IsBatching = false;
            _batchTimer?.Dispose();
            _batchTimer = null;
        }
        await DisconnectAsync().ConfigureAwait(false);
        lock (_deadlineGate)
        {
            _deadlineTimer?.Dispose();
            _deadlineTimer = null;
        }
    }

    /// <summary>
    /// Invokes the server's procedure <paramref name="procedure"/> with <paramref name="data"/> and returns its answer as
    /// <typeparamref name="T"/>. Waits for the connection first when it is being opened. Fails with the server's error
    /// (<see cref="AGClientError"/>), a <c>TimeoutError</c> after <see cref="AGClientOptions.AckTimeout"/>, or a
    /// <c>BadConnectionError</c> if the connection is lost meanwhile.
    /// </summary>
    public async Task<T?> InvokeAsync<T>(string procedure, object? data = null, CancellationToken cancellationToken = default)
    {
        // Straight from the answer's JSON to T: no document in between.
        var answer = await CallAsync(procedure, data, cancellationToken).ConfigureAwait(false);
        return answer is null ? default : JsonSerializer.Deserialize<T>(answer, JsonOptions);
    }

    /// <summary>Invokes a procedure whose answer does not matter beyond success.</summary>
    public Task InvokeAsync(string procedure, object? data = null, CancellationToken cancellationToken = default) =>
        CallAsync(procedure, data, cancellationToken);

    /// <summary>Sends the server event <paramref name="event"/> with no answer (a transmit); waits for the connection when it is being opened.</summary>
    public async Task TransmitAsync(string @event, object? data = null, CancellationToken cancellationToken = default)
    {
        var connection = await OpenConnectionAsync(@event, cancellationToken).ConfigureAwait(false);
        await SendPacketAsync(connection, Packet(@event, data, cid: null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers the server's invokes of <paramref name="procedure"/> (socketcluster-client's <c>socket.procedure</c>):
    /// the data as <typeparamref name="TIn"/>, the handler's result as the answer; a throw answers with an error (an
    /// <see cref="AGClientError"/> keeps its name). Runs on the thread pool, never on the reading loop.
    /// </summary>
    public void OnInvoke<TIn, TOut>(string procedure, Func<TIn?, CancellationToken, Task<TOut>> handler)
    {
        if (handler is null) throw new ArgumentNullException(nameof(handler));
        _procedures[procedure] = async (data, token) =>
            await handler(data.ValueKind == JsonValueKind.Undefined ? default : data.Deserialize<TIn>(JsonOptions), token).ConfigureAwait(false);
    }

    /// <summary>Receives the server's transmits of <paramref name="event"/> (socketcluster-client's <c>socket.receiver</c>).</summary>
    public void OnTransmit<T>(string @event, Func<T?, Task> handler)
    {
        if (handler is null) throw new ArgumentNullException(nameof(handler));
        _receivers[@event] = data => handler(data.ValueKind == JsonValueKind.Undefined ? default : data.Deserialize<T>(JsonOptions));
    }

    /// <summary>
    /// Subscribes to <paramref name="channel"/> (the same channel object if already subscribed): the server is asked at
    /// once when connected, and again after every reconnect. <paramref name="data"/> goes with each subscribe;
    /// <paramref name="waitForAuth"/> subscribes only once authenticated.
    /// </summary>
    public AGClientChannel Subscribe(string channel, object? data = null, bool waitForAuth = false)
    {
        if (string.IsNullOrEmpty(channel)) throw new ArgumentException("A channel needs a name.", nameof(channel));
        var subscription = _channels.GetOrAdd(channel, name => new AGClientChannel(this, name, data, waitForAuth, _options.ChannelBufferSize));
        if (_state == AGClientState.Open && _connection is { } connection) _ = TrySubscribe(connection, subscription);
        return subscription;
    }

    /// <summary>
    /// Subscribes to an AGServer history channel with recovery: each subscribe (the first, and every one after a
    /// reconnect) sends the last position the reader took, and the server answers with every publication missed since,
    /// then the live ones. <see cref="AGClientChannel.ListenAsync{T}"/> yields each publication's data once, in order,
    /// with no gap; when the gap cannot be filled the channel raises <see cref="AGClientChannel.Unrecoverable"/> and
    /// goes on from the next one. <paramref name="from"/> resumes from a position kept elsewhere (e.g. on disk).
    /// </summary>
    public AGClientChannel SubscribeWithRecovery(string channel, ChannelPosition? from = null, bool waitForAuth = false)
    {
        if (string.IsNullOrEmpty(channel)) throw new ArgumentException("A channel needs a name.", nameof(channel));
        var subscription = _channels.GetOrAdd(channel, name => new AGClientChannel(this, name, null, waitForAuth, _options.ChannelBufferSize, recovers: true, from));
        if (!subscription.Recovers) throw new InvalidOperationException($"Channel '{channel}' is already subscribed without recovery.");
        if (_state == AGClientState.Open && _connection is { } connection) _ = TrySubscribe(connection, subscription);
        return subscription;
    }

    /// <summary>The channels subscribed or waiting to be (socketcluster-client's <c>subscriptions(true)</c>).</summary>
    public AGClientChannel[] Subscriptions() => [.. _channels.Values];

    /// <summary>
    /// Who is on <paramref name="channel"/> (an AGServer channel with presence; the socket must be subscribed to it):
    /// the counts, and each member unless <paramref name="withMembers"/> is false (<c>agserver/presence</c>).
    /// </summary>
    public async Task<ChannelPresence> GetPresenceAsync(string channel, bool withMembers = true, CancellationToken cancellationToken = default)
    {
        var presence = (await InvokeAsync<ChannelPresence>("agserver/presence", withMembers ? new { channel } : (object)new { channel, members = false },
            cancellationToken).ConfigureAwait(false))!;
        return withMembers ? presence : presence with { Members = null };
    }

    /// <summary>
    /// The last <paramref name="limit"/> publications (all that are kept when null) of <paramref name="channel"/>, an
    /// AGServer channel with history (the socket must be subscribed to it), oldest first (<c>agserver/history</c>).
    /// </summary>
    public async Task<ChannelHistory<T>> GetHistoryAsync<T>(string channel, int? limit = null, CancellationToken cancellationToken = default) =>
        (await InvokeAsync<ChannelHistory<T>>("agserver/history", limit is { } n ? new { channel, limit = n } : (object)new { channel }, cancellationToken)
            .ConfigureAwait(false))!;

    /// <summary>Publishes <paramref name="data"/> on <paramref name="channel"/> and waits for the server to accept it.</summary>
    public Task InvokePublishAsync(string channel, object? data, CancellationToken cancellationToken = default) =>
        CallAsync("#publish", new PublishData(channel, data), cancellationToken);

    /// <summary>Publishes <paramref name="data"/> on <paramref name="channel"/> with no answer.</summary>
    public Task TransmitPublishAsync(string channel, object? data, CancellationToken cancellationToken = default) =>
        TransmitAsync("#publish", new PublishData(channel, data), cancellationToken);

    /// <summary>
    /// Authenticates with <paramref name="signedToken"/> (<c>#authenticate</c>): stored and used for later handshakes
    /// once the server accepts it. A refused token throws the server's error (<c>AuthTokenInvalidError</c>...).
    /// </summary>
    public async Task AuthenticateAsync(string signedToken, CancellationToken cancellationToken = default)
    {
        var answer = InboundPacket.Element(await CallAsync("#authenticate", signedToken, cancellationToken).ConfigureAwait(false));
        if (answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("authError", out var authError) && authError.ValueKind == JsonValueKind.Object)
            throw AGClientError.From(authError);
        await SetTokenAsync(signedToken).ConfigureAwait(false);
    }

    /// <summary>Logs out: the stored token is removed and the server told (<c>#removeAuthToken</c>).</summary>
    public async Task DeauthenticateAsync(CancellationToken cancellationToken = default)
    {
        await _options.AuthTokenStore.RemoveAsync(cancellationToken).ConfigureAwait(false);
        SetAuth(AuthSnapshot.None);
        if (_state == AGClientState.Open && _connection is { } connection)
            await SendPacketAsync(connection, Packet("#removeAuthToken", null, cid: null), cancellationToken).ConfigureAwait(false);
    }

    internal async Task UnsubscribeAsync(AGClientChannel channel, CancellationToken cancellationToken)
    {
        if (!RemoveChannel(channel) || !channel.End()) return;
        if (_state == AGClientState.Open && _connection is { } connection)
            await SendPacketAsync(connection, Packet("#unsubscribe", channel.Name, cid: null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes this very channel object (not a newer one of the same name).</summary>
    private bool RemoveChannel(AGClientChannel channel) =>
        ((ICollection<KeyValuePair<string, AGClientChannel>>)_channels).Remove(new KeyValuePair<string, AGClientChannel>(channel.Name, channel));

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        lock (_gate) _state = AGClientState.Connecting;
        WebSocket? socket = null;
        Connection? connection = null;
        var phase = "the WebSocket did not open";
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            deadline.CancelAfter(_options.ConnectTimeout);
            socket = await OpenWebSocketAsync(deadline.Token).ConfigureAwait(false);
            connection = new Connection(socket);
            lock (_gate) _connection = connection;
            connection.Reading = Task.Run(() => ReadLoop(connection));
            var token = await _options.AuthTokenStore.LoadAsync(cancellationToken).ConfigureAwait(false);
            phase = "the WebSocket opened, the server did not answer the handshake";
            var answer = InboundPacket.Element(await Call(connection, "#handshake", new HandshakeData(token), _options.ConnectTimeout, deadline.Token).ConfigureAwait(false));
            Id = answer.TryGetProperty("id", out var id) ? id.GetString() : null;
            if (answer.TryGetProperty("pingTimeout", out var pingTimeout) && pingTimeout.TryGetInt32(out var ms)) connection.WatchPings(TimeSpan.FromMilliseconds(ms), this);
            var accepted = answer.TryGetProperty("isAuthenticated", out var authenticated) && authenticated.ValueKind == JsonValueKind.True;
            if (token is not null && accepted) SetAuth(AuthSnapshot.Of(token));
            else if (token is not null)
            {
                // A stored token the server refused (expired, bad signature): socketcluster-client drops it.
                await _options.AuthTokenStore.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
                SetAuth(AuthSnapshot.None);
            }
        }
        catch (Exception error)
        {
            if (connection is not null) OnConnectionLost(connection, 4003, "Failed to complete handshake");
            else
            {
                lock (_gate) _state = AGClientState.Closed;
            }
            socket?.Abort();
            socket?.Dispose();
            if (error is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                throw new AGClientError("TimeoutError", $"Connecting to {_options.Uri} did not complete within {_options.ConnectTimeout}: {phase}");
            throw;
        }
        TaskCompletionSource<bool> opened;
        lock (_gate)
        {
            if (_connection != connection) throw AGClientError.BadConnection("#handshake");
            _state = AGClientState.Open;
            _reconnectAttempt = 0;
            opened = _opened;
        }
        opened.TrySetResult(true);
        if (_options.BatchOnHandshake && !IsBatching)
        {
            // socketcluster-client's batchOnHandshake: the resubscribes and first calls go out together.
            StartBatch();
            _ = FlushAfter(_options.BatchOnHandshakeDuration);
        }
        Connected?.Invoke(this, EventArgs.Empty);
        foreach (var channel in _channels.Values) _ = TrySubscribe(connection, channel);
    }

    private async Task TrySubscribe(Connection connection, AGClientChannel channel)
    {
        if (channel.State != AGChannelState.Pending || channel.WaitForAuth && !IsAuthenticated) return;
        try
        {
            await Call(connection, "#subscribe", new SubscribeData(channel.Name, channel.SubscribeData, channel.WaitForAuth), _options.AckTimeout, CancellationToken.None)
                .ConfigureAwait(false);
            channel.OnSubscribed();
        }
        catch (AGClientError error) when (error.Name is "BadConnectionError" or "TimeoutError")
        {
            // Tried again on the next connection (a timeout: the connection is likely going).
        }
        catch (AGClientError error)
        {
            RemoveChannel(channel);
            channel.OnSubscribeFailed(error);
        }
    }

    /// <summary>A call on the open connection (waiting for one being opened): its answer's JSON, null when it has none.</summary>
    private Task<byte[]?> CallAsync(string @event, object? data, CancellationToken cancellationToken)
    {
        var opening = OpenConnectionAsync(@event, cancellationToken);
        return opening.IsCompletedSuccessfully
            ? Call(opening.Result, @event, data, _options.AckTimeout, cancellationToken)
            : CallWhenOpen(opening, @event, data, cancellationToken);
    }

    private async Task<byte[]?> CallWhenOpen(ValueTask<Connection> opening, string @event, object? data, CancellationToken cancellationToken) =>
        await Call(await opening.ConfigureAwait(false), @event, data, _options.AckTimeout, cancellationToken).ConfigureAwait(false);

    private async Task<byte[]?> Call(Connection connection, string @event, object? data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cid = Interlocked.Increment(ref _cid);
        var call = new PendingCall(@event, Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency));
        _calls[cid] = call;
        WatchDeadlines();
        try
        {
            if (connection.Lost) throw AGClientError.BadConnection(@event);
            await SendPacketAsync(connection, Packet(@event, data, cid), cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.CanBeCanceled) return await call.Task.ConfigureAwait(false);
            using (cancellationToken.Register(static state => ((PendingCall)state!).TrySetCanceled(), call))
                return await call.Task.ConfigureAwait(false);
        }
        finally
        {
            _calls.TryRemove(cid, out _);
        }
    }

    /// <summary>
    /// A call waiting for its answer (the answer's JSON, copied out of the frame; null when it has none) until its
    /// deadline (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    private sealed class PendingCall : TaskCompletionSource<byte[]?>
    {
        public PendingCall(string @event, long deadline) : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Event = @event;
            Deadline = deadline;
        }

        public string Event { get; }

        public long Deadline { get; }
    }

    /// <summary>How often pending calls are checked against their deadlines: a call times out at most this late.</summary>
    private static readonly TimeSpan DeadlineTick = TimeSpan.FromMilliseconds(100);

    private readonly object _deadlineGate = new();
    private Timer? _deadlineTimer;
    private int _watchingDeadlines;

    /// <summary>
    /// One timer per socket, running only while calls are pending, rather than a timer per call: the ack timeout of
    /// thousands of calls in flight costs one check of each every <see cref="DeadlineTick"/>.
    /// </summary>
    private void WatchDeadlines()
    {
        if (Interlocked.CompareExchange(ref _watchingDeadlines, 1, 0) != 0) return;
        lock (_deadlineGate)
        {
            _deadlineTimer ??= new Timer(static state => ((AGClientSocket)state!).SweepDeadlines(), this, Timeout.Infinite, Timeout.Infinite);
            _deadlineTimer.Change(DeadlineTick, DeadlineTick);
        }
    }

    private void SweepDeadlines()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var pair in _calls)
            if (now >= pair.Value.Deadline) pair.Value.TrySetException(AGClientError.Timeout(pair.Value.Event));
        if (!_calls.IsEmpty) return;
        // Stop, then look again: a call added meanwhile either saw the flag still set (and is seen here) or starts it.
        lock (_deadlineGate) _deadlineTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        Volatile.Write(ref _watchingDeadlines, 0);
        if (!_calls.IsEmpty) WatchDeadlines();
    }

    /// <summary>The open connection, waiting (within the ack timeout) for one being opened; BadConnectionError when closed.</summary>
    private ValueTask<Connection> OpenConnectionAsync(string @event, CancellationToken cancellationToken)
    {
        Task<bool> opened;
        lock (_gate)
        {
            if (_state == AGClientState.Open && _connection is { } open) return new ValueTask<Connection>(open);
            if (!_wantOpen) return new ValueTask<Connection>(Task.FromException<Connection>(AGClientError.BadConnection(@event)));
            opened = _opened.Task;
        }
        return new ValueTask<Connection>(WhenOpenedAsync(opened, @event, cancellationToken));
    }

    private async Task<Connection> WhenOpenedAsync(Task<bool> opened, string @event, CancellationToken cancellationToken)
    {
        await opened.Within(_options.AckTimeout, () => AGClientError.Timeout(@event), cancellationToken).ConfigureAwait(false);
        lock (_gate) return _connection ?? throw AGClientError.BadConnection(@event);
    }

    /// <summary>
    /// From now on, packets wait in a batch until <see cref="FlushBatchAsync"/> sends them as one frame (a JSON array,
    /// which both servers take), or <see cref="CancelBatch"/> drops them (their invokes then time out), as
    /// socketcluster-client's <c>startBatch</c>. A batch holds at most 1,000 packets: the next one sends it. A lost
    /// connection drops its batch.
    /// </summary>
    public void StartBatch()
    {
        lock (_batchGate) _batch ??= [];
    }

    /// <summary>Sends the batch as one frame (nothing when it is empty) and stops batching until <see cref="StartBatch"/>.</summary>
    public async Task FlushBatchAsync(CancellationToken cancellationToken = default)
    {
        List<byte[]>? batch;
        lock (_batchGate) (batch, _batch) = (_batch, null);
        if (batch is not { Count: > 0 }) return;
        if (_state != AGClientState.Open || _connection is not { } connection) return; // gone with its connection
        await SendAsync(connection, BatchFrame(batch), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the batch unsent and stops batching.</summary>
    public void CancelBatch()
    {
        lock (_batchGate) _batch = null;
    }

    /// <summary>Batches continuously: every <see cref="AGClientOptions.BatchInterval"/> the batch is sent and a new one starts (socketcluster-client's <c>startBatching</c>).</summary>
    public void StartBatching()
    {
        lock (_batchGate)
        {
            IsBatching = true;
            _batch ??= [];
            _batchTimer ??= new Timer(_ => _ = FlushAndContinue(), null, _options.BatchInterval, _options.BatchInterval);
        }
    }

    /// <summary>Stops continuous batching and sends what waits.</summary>
    public Task StopBatchingAsync(CancellationToken cancellationToken = default)
    {
        lock (_batchGate)
        {
            IsBatching = false;
            _batchTimer?.Dispose();
            _batchTimer = null;
        }
        return FlushBatchAsync(cancellationToken);
    }

    /// <summary>Continuous batching is on (<see cref="StartBatching"/>).</summary>
    public bool IsBatching { get; private set; }

    private async Task FlushAfter(TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        if (IsBatching) return; // continuous batching took over
        try
        {
            await FlushBatchAsync().ConfigureAwait(false);
        }
        catch (AGClientError)
        {
            // The connection went: its batch with it.
        }
    }

    private async Task FlushAndContinue()
    {
        try
        {
            await FlushBatchAsync().ConfigureAwait(false);
        }
        catch (AGClientError)
        {
            // The connection went: its batch with it.
        }
        lock (_batchGate)
        {
            if (IsBatching) _batch ??= [];
        }
    }

    private static byte[] BatchFrame(List<byte[]> packets)
    {
        var frame = new byte[packets.Sum(p => p.Length + 1) + 1];
        frame[0] = (byte)'[';
        var at = 1;
        foreach (var packet in packets)
        {
            if (at > 1) frame[at++] = (byte)',';
            packet.CopyTo(frame, at);
            at += packet.Length;
        }
        frame[at] = (byte)']';
        return frame;
    }

    /// <summary>A packet: into the batch when one is open, on the wire otherwise.</summary>
    private async Task SendPacketAsync(Connection connection, byte[] packet, CancellationToken cancellationToken)
    {
        bool full;
        lock (_batchGate)
        {
            if (_batch is null) full = false;
            else
            {
                _batch.Add(packet);
                if (_batch.Count < MaxBatch) return;
                full = true;
            }
        }
        if (full) await FlushBatchAsync(cancellationToken).ConfigureAwait(false);
        else await SendAsync(connection, packet, cancellationToken, packet: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands a frame to the connection's outbox (its one writer); waits only when the outbox is over its bound. A
    /// connection already lost fails with BadConnectionError; one lost while the frame waits is reported by its loss.
    /// </summary>
    private static Task SendAsync(Connection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken, bool packet = false)
    {
        if (connection.Lost) return Task.FromException(AGClientError.BadConnection("send"));
        var posted = connection.Outbox.Post(frame, packet, "send");
        return posted.IsCompleted || !cancellationToken.CanBeCanceled ? posted : posted.WaitAsync(cancellationToken);
    }

    /// <summary>A writer per thread: a packet is written start to end on one thread, then copied out.</summary>
    [ThreadStatic] private static ArrayBufferWriter<byte>? _packetBuffer;
    [ThreadStatic] private static Utf8JsonWriter? _packetWriter;

    private byte[] Packet(string? @event, object? data, long? cid, long? rid = null, Exception? error = null)
    {
        var buffer = _packetBuffer ??= new ArrayBufferWriter<byte>(256);
        var writer = _packetWriter ??= new Utf8JsonWriter(buffer);
        try
        {
            writer.WriteStartObject();
            if (@event is not null) writer.WriteString("event", @event);
            if (data is not null)
            {
                writer.WritePropertyName("data");
                WriteData(writer, data);
            }
            if (cid is { } c) writer.WriteNumber("cid", c);
            if (rid is { } r) writer.WriteNumber("rid", r);
            if (error is not null)
            {
                writer.WritePropertyName("error");
                writer.WriteStartObject();
                writer.WriteString("name", error is AGClientError named ? named.Name : "Error");
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // Reset whatever happened (a value that failed to serialize leaves the writer mid-packet); a buffer a big
            // packet grew is not kept.
            writer.Reset();
            if (buffer.Capacity > 64 * 1024) (_packetBuffer, _packetWriter) = (null, null);
            else buffer.Clear();
        }
    }

    private void WriteData(Utf8JsonWriter writer, object data)
    {
        switch (data)
        {
            case PublishData publish:
                writer.WriteStartObject();
                writer.WriteString("channel", publish.Channel);
                writer.WritePropertyName("data");
                WriteValue(writer, publish.Data);
                writer.WriteEndObject();
                break;
            case SubscribeData subscribe:
                writer.WriteStartObject();
                writer.WriteString("channel", subscribe.Channel);
                if (subscribe.Data is not null)
                {
                    writer.WritePropertyName("data");
                    WriteValue(writer, subscribe.Data);
                }
                if (subscribe.WaitForAuth) writer.WriteBoolean("waitForAuth", true);
                writer.WriteEndObject();
                break;
            case HandshakeData handshake:
                writer.WriteStartObject();
                if (handshake.AuthToken is null) writer.WriteNull("authToken");
                else writer.WriteString("authToken", handshake.AuthToken);
                writer.WriteEndObject();
                break;
            default:
                WriteValue(writer, data);
                break;
        }
    }

    private void WriteValue(Utf8JsonWriter writer, object? value)
    {
        if (value is null) writer.WriteNullValue();
        else JsonSerializer.Serialize(writer, value, value.GetType(), JsonOptions);
    }

    /// <summary>
    /// For a load generator (the bench): once open, every frame but a ping goes here instead of to the client's own
    /// handling, so scenarios read the server's frames as bytes over the client's connection, handshake and pongs.
    /// </summary>
    internal RawFrameObserver? RawFrames { get; set; }

    /// <summary>For a load generator (the bench): sends <paramref name="frame"/> as it is, alone in its WebSocket message.</summary>
    internal Task SendRawAsync(ReadOnlyMemory<byte> frame) =>
        _state == AGClientState.Open && _connection is { } connection ? SendAsync(connection, frame, CancellationToken.None) : Task.FromException(AGClientError.BadConnection("send"));

    /// <summary>For a load generator (the bench): drops the connection with no close handshake (a client that vanished) and does not reconnect.</summary>
    internal void Abort()
    {
        Connection? connection;
        lock (_gate)
        {
            _wantOpen = false;
            connection = _connection;
        }
        connection?.Socket.Abort();
    }

    private async Task<WebSocket> OpenWebSocketAsync(CancellationToken cancellationToken)
    {
        if (_options.WebSocketFactory is { } factory) return await factory(_options.Uri!, cancellationToken).ConfigureAwait(false);
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // SocketCluster pings at its own level
            foreach (var header in _options.Headers) socket.Options.SetRequestHeader(header.Key, header.Value);
            await socket.ConnectAsync(_options.Uri!, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReadLoop(Connection connection)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var closeCode = 1006;
        string? closeReason = null;
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, count).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    result = await connection.Socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        closeCode = (int?)connection.Socket.CloseStatus ?? 1005;
                        closeReason = connection.Socket.CloseStatusDescription;
                        return;
                    }
                    count += result.Count;
                } while (!result.EndOfMessage);
                connection.Heard();
                await OnFrame(connection, buffer.AsMemory(0, count)).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone (1006 unless it said otherwise).
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            OnConnectionLost(connection, closeCode, closeReason);
        }
    }

    private async Task OnFrame(Connection connection, ReadOnlyMemory<byte> frame)
    {
        if (frame.Length == 0)
        {
            if (_options.ProtocolVersion == 2) _ = SendQuietly(connection, ReadOnlyMemory<byte>.Empty); // pong
            return;
        }
        if (_options.ProtocolVersion == 1 && frame.Span.SequenceEqual("#1"u8))
        {
            _ = SendQuietly(connection, PongV1);
            return;
        }
        if (RawFrames is { } raw && _state == AGClientState.Open)
        {
            raw(frame.Span);
            return;
        }
        var packets = connection.Packets;
        packets.Clear();
        try
        {
            InboundPacket.ReadFrame(frame, packets);
        }
        catch (JsonException error)
        {
            Error?.Invoke(this, new AGClientError("InvalidMessageError", "The server sent a frame that is not JSON: " + error.Message));
            return;
        }
        foreach (var packet in packets) await OnPacket(connection, packet).ConfigureAwait(false);
    }

    private async Task OnPacket(Connection connection, InboundPacket packet)
    {
        if (packet.Rid is { } rid)
        {
            if (!_calls.TryGetValue(rid, out var call)) return;
            if (!packet.Error.IsEmpty) call.TrySetException(AGClientError.From(InboundPacket.Element(packet.Error)));
            else call.TrySetResult(packet.Data.IsEmpty ? null : packet.Data.ToArray());
            return;
        }
        if (packet.Event is not { } @event) return;
        if (@event == "#publish")
        {
            // Only the publication's JSON is kept (the frame's buffer is reused), parsed by the channel's reader.
            if (InboundPacket.ReadPublication(packet.Data, out var name, out var publication) && _channels.TryGetValue(name!, out var channel))
                await channel.Deliver(publication.ToArray(), CancellationToken.None).ConfigureAwait(false);
            return;
        }
        var data = InboundPacket.Element(packet.Data);
        var cid = packet.Cid;
        switch (@event)
        {
            case "#kickOut":
                if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("channel", out var kicked) && kicked.ValueKind == JsonValueKind.String
                    && _channels.TryRemove(kicked.GetString()!, out var kickedOut))
                    kickedOut.OnKickedOut(data.TryGetProperty("message", out var message) ? message : null);
                break;
            case "#setAuthToken":
                if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String)
                    await SetTokenAsync(token.GetString()!).ConfigureAwait(false);
                if (cid is { } setCid) await SendQuietly(connection, Packet(null, null, null, setCid), packet: true).ConfigureAwait(false);
                break;
            case "#removeAuthToken":
                await _options.AuthTokenStore.RemoveAsync().ConfigureAwait(false);
                SetAuth(AuthSnapshot.None);
                if (cid is { } removeCid) await SendQuietly(connection, Packet(null, null, null, removeCid), packet: true).ConfigureAwait(false);
                break;
            default:
                if (cid is { } invokeCid) _ = Task.Run(() => Answer(connection, @event, data, invokeCid));
                else if (_receivers.TryGetValue(@event, out var receiver)) _ = Task.Run(() => Receive(receiver, data));
                break;
        }
    }

    private async Task Answer(Connection connection, string procedure, JsonElement data, long rid)
    {
        byte[] answer;
        if (!_procedures.TryGetValue(procedure, out var handler))
            answer = Packet(null, null, null, rid, new AGClientError("UnknownProcedureError", $"The client has no procedure named '{procedure}'"));
        else
        {
            try
            {
                answer = Packet(null, await handler(data, connection.Closing).ConfigureAwait(false), null, rid);
            }
            catch (Exception error)
            {
                answer = Packet(null, null, null, rid, error);
            }
        }
        await SendQuietly(connection, answer, packet: true).ConfigureAwait(false);
    }

    private async Task Receive(Func<JsonElement, Task> receiver, JsonElement data)
    {
        try
        {
            await receiver(data).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Error?.Invoke(this, error);
        }
    }

    /// <summary>Sends what no caller waits for (pongs, answers): a lost connection is reported by the reading loop.</summary>
    private async Task SendQuietly(Connection connection, ReadOnlyMemory<byte> frame, bool packet = false)
    {
        try
        {
            if (packet) await SendPacketAsync(connection, frame.ToArray(), CancellationToken.None).ConfigureAwait(false);
            else await SendAsync(connection, frame, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AGClientError)
        {
        }
    }

    private async Task SetTokenAsync(string signedToken)
    {
        await _options.AuthTokenStore.SaveAsync(signedToken).ConfigureAwait(false);
        SetAuth(AuthSnapshot.Of(signedToken));
        // Channels that waited for authentication subscribe now.
        if (_state == AGClientState.Open && _connection is { } connection)
            foreach (var channel in _channels.Values)
                if (channel.WaitForAuth) _ = TrySubscribe(connection, channel);
    }

    private void SetAuth(AuthSnapshot auth)
    {
        var was = IsAuthenticated;
        _auth = auth;
        if (was != IsAuthenticated) AuthenticationChanged?.Invoke(this, IsAuthenticated);
    }

    /// <summary>Called once per connection, by whichever notices first (the reading loop, a disconnect, a ping timeout).</summary>
    internal void OnConnectionLost(Connection connection, int code, string? reason)
    {
        if (!connection.MarkLost()) return;
        try
        {
            Lose(connection, code, reason);
        }
        finally
        {
            connection.LossWasHandled();
        }
    }

    private void Lose(Connection connection, int code, string? reason)
    {
        bool reconnect;
        lock (_gate)
        {
            if (_connection != connection) return;
            _connection = null;
            _state = AGClientState.Closed;
            if (_opened.Task.IsCompleted) _opened = NewOpenSignal();
            reconnect = _wantOpen && _options.AutoReconnect && code != 1000 && code < 4500;
        }
        connection.Socket.Abort();
        connection.Socket.Dispose(); // the reading loop, if still in a receive, ends with ObjectDisposedException
        lock (_batchGate)
            if (_batch is not null) _batch = IsBatching ? [] : null;                // a batch goes with its connection
        foreach (var call in _calls.Values) call.TrySetException(AGClientError.BadConnection("call"));
        foreach (var channel in _channels.Values) channel.OnConnectionLost();
        // In socketcluster-client's order: the disconnect, then the error for a close that was not normal.
        Disconnected?.Invoke(this, new AGDisconnectedEventArgs(code, reason));
        if (code is not (1000 or 1001)) Error?.Invoke(this, new AGClientError("SocketProtocolError", $"Socket hung up (code {code}{(reason is null ? "" : ": " + reason)})"));
        // socketcluster-client reconnects at once after a ping timeout or an unexplained close, with back-off otherwise.
        // One reconnect loop at a time: a failed attempt inside it (a handshake lost) is retried by that loop.
        if (reconnect && Interlocked.CompareExchange(ref _reconnecting, 1, 0) == 0)
            _ = ReconnectLoop(code is 4000 or 4001 or 1005 ? TimeSpan.Zero : NextDelay());
    }

    private TimeSpan NextDelay()
    {
        lock (_gate) return _options.AutoReconnectOptions.DelayFor(_reconnectAttempt++, _random);
    }

    /// <summary>
    /// Opens the connection again after <paramref name="delay"/>, then with back-off until it opens or the client is
    /// disconnected. Started with <see cref="_reconnecting"/> set; it is cleared before each attempt, so the loss of the
    /// attempt's own connection starts the next loop (and this one then leaves it to that one).
    /// </summary>
    private async Task ReconnectLoop(TimeSpan delay)
    {
        var lifetime = _lifetime.Token;
        while (true)
        {
            try
            {
                await Task.Delay(delay, lifetime).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Volatile.Write(ref _reconnecting, 0);
                return;
            }
            Volatile.Write(ref _reconnecting, 0);
            lock (_gate)
            {
                if (!_wantOpen || _state != AGClientState.Closed) return;
            }
            try
            {
                await OpenAsync(lifetime).ConfigureAwait(false);
                return;
            }
            catch (Exception error)
            {
                if (lifetime.IsCancellationRequested) return;
                Error?.Invoke(this, error);
                if (Interlocked.CompareExchange(ref _reconnecting, 1, 0) != 0) return; // the lost attempt started the next loop
                delay = NextDelay();
            }
        }
    }

    private static TaskCompletionSource<bool> NewOpenSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One WebSocket connection and what belongs to it alone.</summary>
    internal sealed class Connection
    {
        private readonly CancellationTokenSource _closing = new();
        private readonly TaskCompletionSource<bool> _lossHandled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _lost;
        private long _lastHeard = Stopwatch.GetTimestamp();
        private Timer? _pingWatch;

        public Connection(WebSocket socket)
        {
            Socket = socket;
            Outbox = new ConnectionOutbox(socket);
        }

        public WebSocket Socket { get; }

        /// <summary>Every frame to the server goes through it.</summary>
        public ConnectionOutbox Outbox { get; }

        /// <summary>The packets of the frame being handled (frames are handled one at a time per connection).</summary>
        public List<InboundPacket> Packets { get; } = new(1);

        public Task Reading { get; set; } = Task.CompletedTask;

        public bool Lost => Volatile.Read(ref _lost) == 1;

        /// <summary>Cancelled once the connection is lost: handlers of the server's invokes stop waiting.</summary>
        public CancellationToken Closing => _closing.Token;

        public void Heard() => Volatile.Write(ref _lastHeard, Stopwatch.GetTimestamp());

        /// <summary>Closes with 4000 when the server is not heard from within its ping timeout (as socketcluster-client).</summary>
        public void WatchPings(TimeSpan pingTimeout, AGClientSocket owner)
        {
            var period = TimeSpan.FromMilliseconds(Math.Max(100, pingTimeout.TotalMilliseconds / 4));
            _pingWatch = new Timer(_ =>
            {
                var silent = (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastHeard)) * 1000.0 / Stopwatch.Frequency;
                if (silent > pingTimeout.TotalMilliseconds)
                    owner.OnConnectionLost(this, 4000, "Server ping timed out");
            }, null, period, period);
        }

        /// <summary>Completes once the connection's loss has been handled (state, calls, channels, events).</summary>
        public Task LossHandled => _lossHandled.Task;

        public void LossWasHandled() => _lossHandled.TrySetResult(true);

        public bool MarkLost()
        {
            if (Interlocked.Exchange(ref _lost, 1) == 1) return false;
            _pingWatch?.Dispose();
            _closing.Cancel();
            return true;
        }
    }

    private sealed record PublishData(string Channel, object? Data);

    private sealed record SubscribeData(string Channel, object? Data, bool WaitForAuth);

    private sealed record HandshakeData(string? AuthToken);

    /// <summary>The socket's token: the signed form and its payload, swapped as one.</summary>
    private sealed class AuthSnapshot
    {
        public static readonly AuthSnapshot None = new(null, null);

        private AuthSnapshot(string? signed, JsonElement? payload) => (Signed, Payload) = (signed, payload);

        public string? Signed { get; }

        public JsonElement? Payload { get; }

        /// <summary>The payload of a JWT (its middle part, base64url), read without checking the signature: the server did.</summary>
        public static AuthSnapshot Of(string signed)
        {
            var parts = signed.Split('.');
            if (parts.Length < 2) return new AuthSnapshot(signed, default(JsonElement));
            var base64 = parts[1].Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            try
            {
                using var payload = JsonDocument.Parse(Convert.FromBase64String(base64));
                return new AuthSnapshot(signed, payload.RootElement.Clone());
            }
            catch (Exception error) when (error is FormatException or JsonException)
            {
                return new AuthSnapshot(signed, default(JsonElement));
            }
        }
    }
}

/// <summary>Why a connection closed: the WebSocket close code (1006 when it was lost with none) and reason.</summary>
public sealed class AGDisconnectedEventArgs : EventArgs
{
    /// <summary>A close with <paramref name="code"/> and <paramref name="reason"/>.</summary>
    public AGDisconnectedEventArgs(int code, string? reason) => (Code, Reason) = (code, reason);

    /// <summary>The WebSocket close code.</summary>
    public int Code { get; }

    /// <summary>The close reason, when one was given.</summary>
    public string? Reason { get; }
}
