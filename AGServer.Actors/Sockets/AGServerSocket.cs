using System.Text.Json;
using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using AGServer.Auth;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Streams;

namespace AGServer.Sockets;

/// <summary>
/// One client connection. The state lives in the socket's actor (<see cref="ActorRef"/>); this facade reads
/// published state and sends the actor commands. Thread-safe. Frames sent through it leave in call order.
/// </summary>
public sealed partial class AGServerSocket : IChannelSubscriber
{
    private readonly ISocketTransport _transport;
    private volatile SocketState _state = SocketState.Connecting;
    private volatile string[] _subscriptions = [];
    private volatile AuthSnapshot _auth = AuthSnapshot.None;

    /// <summary>Auth state published by the socket actor as one immutable value, so readers see a consistent triple.</summary>
    private sealed record AuthSnapshot(string? SignedToken, JsonElement? Token, DateTimeOffset? Expiry)
    {
        public static readonly AuthSnapshot None = new(null, null, null);
    }
    internal long InboundReceived;

    /// <summary>Invokes (RPCs) this socket's client made; counted per socket, summed for the dashboard.</summary>
    internal long InvokesReceived;
    internal long InboundProcessed;

    internal AGServerSocket(string id, IActorRef actor, SocketClusterServer server, ISocketTransport transport, SocketRequest request)
    {
        Id = id;
        ActorRef = actor;
        Server = server;
        _transport = transport;
        Request = request;
        Outbox = new Internal.SocketOutbox(transport, server.Codec, server.Options.OutboundQueueLimit, server.Options.OutboundQueueBytes,
            server.TransportLogger, request.RemoteAddress is { } address ? $"{address}:{request.RemotePort}" : id, server.OutboundBudget);
        Listeners = new StreamGroup(server.Failures, server.Options.StreamBufferLimit);
        Receivers = new StreamGroup(server.Failures, server.Options.StreamBufferLimit);
        Procedures = new StreamGroup(server.Failures, server.Options.StreamBufferLimit);
    }

    public string Id { get; }

    /// <summary>The socket's actor: application actors may <c>Tell</c> it <see cref="SocketCommand"/>.</summary>
    public IActorRef ActorRef { get; }

    public SocketClusterServer Server { get; }

    public SocketState State
    {
        get => _state;
        internal set
        {
            _state = value;
            if (value == SocketState.Closed) Volatile.Read(ref _closedSource)?.Cancel();
        }
    }

    private CancellationTokenSource? _closedSource;

    /// <summary>
    /// An item of <paramref name="bytes"/> of data handed to application streams: it holds its charge of the
    /// transport's inbound window until a consumer takes it (<see cref="InboundItemTaken"/>). The charge is at least
    /// <c>InboundWindow / InboundItemLimit</c>, so at most <see cref="Server.AGServerOptions.InboundItemLimit"/> items
    /// fill the window however small they are. <paramref name="windowFull"/>: the actor must stop processing until the
    /// transport says the window reopened.
    /// </summary>
    internal int ChargeInboundItem(int bytes, out bool windowFull)
    {
        var options = Server.Options;
        var charge = Math.Max(bytes, options.InboundWindow / options.InboundItemLimit);
        windowFull = _transport.ChargeInbound(charge);
        return charge;
    }

    /// <summary>A consumer took an item (or it was dropped): its charge goes back to the window.</summary>
    internal void InboundItemTaken(int charge) => _transport.ReleaseCharge(charge);

    /// <summary>
    /// Cancelled when the socket closes: pass it to work done for this socket's requests, so that work for a client
    /// that has gone stops (handlers mapped with <see cref="SocketClusterServer.MapProcedure(string, Delegate, Server.HandlerOptions?)"/> get it as their CancellationToken).
    /// </summary>
    public CancellationToken ConnectionClosed
    {
        get
        {
            if (_state == SocketState.Closed) return new CancellationToken(true);
            var source = Volatile.Read(ref _closedSource);
            if (source is null)
            {
                var made = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _closedSource, made, null) ?? made;
                if (!ReferenceEquals(source, made)) made.Dispose();
            }
            // The socket may have closed while the source was made, before the close could see it.
            if (_state == SocketState.Closed) source.Cancel();
            return source.Token;
        }
    }

    /// <summary>The HTTP upgrade request (path, query, headers, remote end).</summary>
    public SocketRequest Request { get; }

    public System.Net.IPAddress? RemoteAddress => Request.RemoteAddress;

    public int RemotePort => Request.RemotePort;

    /// <summary>"IPv4" or "IPv6", as Node.js names the remote address family.</summary>
    public string? RemoteFamily => Request.RemoteAddress?.AddressFamily switch
    {
        System.Net.Sockets.AddressFamily.InterNetwork => "IPv4",
        System.Net.Sockets.AddressFamily.InterNetworkV6 => "IPv6",
        _ => null,
    };

    /// <summary>The first address of the X-Forwarded-For header, when a proxy set one.</summary>
    public string? ForwardedForAddress =>
        Request.Headers.TryGetValue("X-Forwarded-For", out var forwarded) ? forwarded.Split(',')[0].Trim() : null;

    /// <summary>Payload bytes received on this connection.</summary>
    public long GetBytesReceived() => _transport.BytesReceived;

    /// <summary>The connection under the socket.</summary>
    internal ISocketTransport Transport => _transport;

    /// <summary>The one owner of the socket's output: every frame to the client is posted here.</summary>
    internal Internal.SocketOutbox Outbox { get; }

    /// <summary>True while the application batches this socket (<see cref="StartBatching"/>).</summary>
    public bool IsBatching { get; internal set; }

    /// <summary>Sends a raw frame, as is (socketcluster-server's send).</summary>
    public void Send(string data) => SendFrame(System.Text.Encoding.UTF8.GetBytes(data));

    /// <summary>Cuts the connection without a close handshake; the socket closes with 1006.</summary>
    public void Terminate() => _transport.Abort();

    /// <summary>Unauthenticates the socket without telling the client (the client asked, with #removeAuthToken).</summary>
    public void DeauthenticateSelf() => ActorRef.Tell(Internal.SocketActor.DeauthenticateSelfCommand.Instance);

    /// <summary>Ends the consumers of this socket's middleware streams after their backlog.</summary>
    public void CloseAllMiddlewares() => ActorRef.Tell(Internal.SocketActor.EndMiddlewares.AfterBacklog);

    /// <summary>Ends the consumers of this socket's middleware streams at once.</summary>
    public void KillAllMiddlewares() => ActorRef.Tell(Internal.SocketActor.EndMiddlewares.Now);

    /// <summary>Closes every stream of the socket: middlewares, listeners, receivers, procedures.</summary>
    public void CloseAllStreams()
    {
        CloseAllMiddlewares();
        Receivers.CloseAll();
        Procedures.CloseAll();
        Listeners.CloseAll();
    }

    /// <summary>Kills every stream of the socket: middlewares, listeners, receivers, procedures.</summary>
    public void KillAllStreams()
    {
        KillAllMiddlewares();
        Receivers.KillAll();
        Procedures.KillAll();
        Listeners.KillAll();
    }

    /// <summary>The socket's listener streams (see <see cref="SocketEvents"/>), with their management.</summary>
    internal StreamGroup Listeners { get; }

    /// <summary>This socket's receivers (client transmits), one stream per name.</summary>
    internal StreamGroup Receivers { get; }

    /// <summary>This socket's procedures (client invokes), one stream per name.</summary>
    internal StreamGroup Procedures { get; }

    public Source<T, NotUsed> Listener<T>(ListenerName<T> name) => Listeners.Stream<T>(name.Name).Source;

    /// <summary>
    /// This socket's messages for receiver <paramref name="name"/>. Messages that arrive before the stream
    /// is materialised are not kept; to serve every socket from the start use <see cref="SocketClusterServer.Receiver"/>.
    /// </summary>
    public Source<ReceivedMessage, NotUsed> Receiver(string name) => Receivers.Stream<ReceivedMessage>(name).Source;

    /// <summary>
    /// This socket's requests for procedure <paramref name="name"/>. Requests that arrive before the stream is
    /// materialised are not kept; to serve every socket from the start use <see cref="SocketClusterServer.Procedure"/>.
    /// </summary>
    public Source<AGRequest, NotUsed> Procedure(string name) => Procedures.Stream<AGRequest>(name).Source;

    /// <summary>Inbound frames received and not yet processed.</summary>
    public long GetInboundBackpressure() => Interlocked.Read(ref InboundReceived) - Interlocked.Read(ref InboundProcessed);

    /// <summary>Outbound frames queued and not yet written to the connection.</summary>
    public long GetOutboundBackpressure() => Outbox.QueuedFrames;

    /// <summary>The largest of the inbound, outbound, listener, receiver and procedure backpressures.</summary>
    public long GetBackpressure() => new[]
    {
        GetInboundBackpressure(), GetOutboundBackpressure(), Listeners.GetBackpressureAll(),
        Receivers.GetBackpressureAll(), Procedures.GetBackpressureAll(),
    }.Max();

    /// <summary>Sends the client a fire-and-forget event. On a socket that is not open it emits a BadConnectionError instead.</summary>
    public void Transmit(string @event, object? data = null)
    {
        if (State != SocketState.Open)
        {
            EmitError(new BadConnectionError($"Socket transmit {@event} event was aborted due to a bad connection", "connectAbort"));
            return;
        }
        SendPacket(OutboundPacket.Transmit(@event, data));
    }

    /// <summary>
    /// Calls procedure <paramref name="event"/> on the client (socketcluster-server's invoke). Completes with the
    /// client's response data; fails with the client's error (an <see cref="AGError"/> with the client's name and
    /// properties), a <see cref="TimeoutException"/> after <paramref name="ackTimeout"/> (default: the server's
    /// AckTimeout), an <see cref="AGError"/> named <c>BadConnectionError</c> when the socket closes first, or an
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> stops the wait (a late answer
    /// is then ignored).
    /// </summary>
    public Task<JsonElement> InvokeAsync(string @event, object? data = null, TimeSpan? ackTimeout = null, CancellationToken cancellationToken = default)
    {
        if (ackTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(ackTimeout), timeout, "An ack timeout is positive and under 24.8 days.");
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<JsonElement>(cancellationToken);
        if (State != SocketState.Open)
        {
            var error = new BadConnectionError($"Socket invoke {@event} event was aborted due to a bad connection", "connectAbort");
            EmitError(error);
            return Task.FromException<JsonElement>(error);
        }
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        ActorRef.Tell(new Internal.SocketActor.InvokeClient(@event, data, ackTimeout is { } t ? (int)Math.Ceiling(t.TotalMilliseconds) : Server.Options.AckTimeout, completion));
        return cancellationToken.CanBeCanceled ? completion.Task.WaitAsync(cancellationToken) : completion.Task;
    }

    /// <summary>
    /// <see cref="InvokeAsync(string, object?, TimeSpan?, CancellationToken)"/> with the response deserialised into
    /// <typeparamref name="TResult"/> (System.Text.Json with <see cref="AGServerOptions.JsonSerializerOptions"/>).
    /// </summary>
    public async Task<TResult?> InvokeAsync<TResult>(string @event, object? data = null, TimeSpan? ackTimeout = null, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync(@event, data, ackTimeout, cancellationToken).ConfigureAwait(false);
        return response.ValueKind == JsonValueKind.Undefined ? default : response.Deserialize<TResult>(Server.Options.JsonSerializerOptions);
    }

    /// <summary>Closes the socket with <paramref name="code"/> (1000 by default) and <paramref name="reason"/>.</summary>
    public void Disconnect(int code = CloseCodes.Normal, string? reason = null) =>
        ActorRef.Tell(SocketCommand.Disconnect(code, reason));

    /// <summary>Emits an <c>error</c> event on the socket and a <c>warning</c> on the server.</summary>
    public void EmitError(Exception error)
    {
        Emit(SocketEvents.Error, error);
        Server.EmitWarning(error);
    }

    internal void Emit<T>(ListenerName<T> name, T item) where T : notnull
    {
        Listeners.Emit(name.Name, item);
        if (Listeners.HasConsumers(SocketEvents.All.Name)) Listeners.Emit(SocketEvents.All.Name, new AnyEvent(name.Name, item));
    }

    /// <summary>Authenticated while the socket holds a valid token.</summary>
    public AuthState AuthState => _auth.Token is null ? AuthState.Unauthenticated : AuthState.Authenticated;

    /// <summary>The payload of the socket's token, or null.</summary>
    public JsonElement? AuthToken => _auth.Token;

    /// <summary>The socket's token as signed (the JWT string), or null.</summary>
    public string? SignedAuthToken => _auth.SignedToken;

    internal DateTimeOffset? AuthExpiry => _auth.Expiry;

    /// <summary>
    /// Signs <paramref name="payload"/> (an object), authenticates the socket at once and sends the client
    /// <c>#setAuthToken</c>. A payload <c>exp</c> wins over <see cref="AuthTokenOptions.ExpiresIn"/>, which wins over
    /// AuthDefaultExpiry. Completes once sent (or confirmed, with RejectOnFailedDelivery). The token stops the wait,
    /// not the command: the socket may be authenticated all the same.
    /// </summary>
    public Task SetAuthTokenAsync(object payload, AuthTokenOptions? options = null, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ActorRef.Tell(new Internal.SocketActor.SetAuthToken(payload, options ?? new AuthTokenOptions(), done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Unauthenticates the socket and tells the client to drop its token (<c>#removeAuthToken</c>); with
    /// <paramref name="rejectOnFailedDelivery"/> as an invoke, failing when the client does not confirm it. The token
    /// stops the wait, not the command.
    /// </summary>
    public Task DeauthenticateAsync(bool rejectOnFailedDelivery = false, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ActorRef.Tell(new Internal.SocketActor.DeauthenticateSocket(rejectOnFailedDelivery, done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>True when the socket's token has an <c>exp</c> in the past.</summary>
    public bool IsAuthTokenExpired() => AuthExpiry is { } expiry && DateTimeOffset.UtcNow > expiry;

    /// <summary>The socket's user: the <see cref="AGServerOptions.UserIdClaim"/> of its auth token, or null.</summary>
    public string? UserId { get; private set; }

    /// <summary>When the socket became its user's (unix µs), with a limit of sockets per user.</summary>
    internal long UserSince { get; set; }

    internal void SetAuth(string? signedToken, JsonElement? token)
    {
        var user = State == SocketState.Closed ? null : Server.Users.UserOf(token);
        Server.Users.Move(this, UserId, user);
        UserId = user;
        DateTimeOffset? expiry = token is { ValueKind: JsonValueKind.Object } t && t.TryGetProperty("exp", out var exp) && exp.TryGetDouble(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;
        _auth = token is null ? AuthSnapshot.None : new AuthSnapshot(signedToken, token, expiry);
    }

    /// <summary>How many channels the socket is subscribed to.</summary>
    public int ChannelSubscriptionsCount => _subscriptions.Length;

    /// <summary>The channels this socket is subscribed to.</summary>
    public IReadOnlyList<string> Subscriptions() => _subscriptions;

    public bool IsSubscribed(string channel) => Array.IndexOf(_subscriptions, channel) >= 0;

    /// <summary>
    /// Unsubscribes the socket from <paramref name="channel"/> (all its channels when null), telling the client
    /// with <c>#kickOut</c> and <paramref name="message"/>. Completes once done; the token stops the wait, not the command.
    /// </summary>
    public Task KickOutAsync(string? channel = null, object? message = null, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ActorRef.Tell(new Internal.SocketActor.KickOut(channel, message, done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The server's exchange (the same for every socket).</summary>
    public Exchange Exchange => Server.Exchange;

    internal string[] SubscriptionSnapshot
    {
        set => _subscriptions = value;
    }

    /// <summary>
    /// The broker's fan-out: held while the channel is being recovered (see <see cref="HoldPublishes"/>), else posted to
    /// the outbox, or through the actor when OUTBOUND middleware must see it. Takes a lock only while a recovery holds.
    /// </summary>
    PresenceIdentity? IChannelSubscriber.Presence => new PresenceIdentity(Id, UserId);

    void IChannelSubscriber.Deliver(string channel, byte[] frame)
    {
        var viaActor = WantsOutboundMiddleware(channel);
        if (Volatile.Read(ref _held) is not null)
        {
            lock (_holdGate!)
            {
                if (_held is not null && _held.TryGetValue(channel, out var hold))
                {
                    if (hold.Seam is not { } seam)
                    {
                        hold.Add(frame);
                        return;
                    }
                    var (epoch, offset) = Channels.Internal.SequencedFrames.Position(Server.Codec, frame);
                    if (epoch == seam.Epoch && offset <= seam.Offset) return; // the recovery sent it already
                    RemoveHold(channel);                                        // past the seam: live from here
                }
                // Posted under the lock: a release in progress posts what it held first.
                DeliverNow(channel, frame, viaActor);
                return;
            }
        }
        DeliverNow(channel, frame, viaActor);
    }

    // Made on the first hold: no extra object per connection for a rarely used feature.
    private object? _holdGate;
    private Dictionary<string, Internal.HeldPublishes>? _held;

    /// <summary>From now on, publishes of <paramref name="channel"/> wait (bounded) until <see cref="ReleasePublishes"/>.</summary>
    internal void HoldPublishes(string channel, int limit)
    {
        lock (LazyInitializer.EnsureInitialized(ref _holdGate))
        {
            var held = _held is null ? new Dictionary<string, Internal.HeldPublishes>() : new Dictionary<string, Internal.HeldPublishes>(_held);
            held[channel] = new Internal.HeldPublishes(limit);
            Volatile.Write(ref _held, held);
        }
    }

    /// <summary>
    /// Ends the hold of <paramref name="channel"/>: <paramref name="flush"/> gets what was held and decides what to send
    /// (it posts through the sender it is given, under the hold's lock) before any later publish of the channel goes out.
    /// With a <paramref name="seam"/> (the last position the flush sent), later publishes up to it are dropped rather than
    /// sent twice, until the first one past it.
    /// </summary>
    internal void ReleasePublishes(string channel, Action<Internal.HeldPublishes, Action<byte[]>>? flush, (string Epoch, long Offset)? seam = null)
    {
        if (_holdGate is null) return;
        var viaActor = WantsOutboundMiddleware(channel);
        lock (_holdGate)
        {
            if (_held is null || !_held.TryGetValue(channel, out var hold)) return;
            // Flushed while the hold is still seen: a publish arriving meanwhile waits on this lock and goes after what
            // the flush sends (a hold removed first let a live publication overtake an unrecoverable notice).
            flush?.Invoke(hold, frame => DeliverNow(channel, frame, viaActor));
            RemoveHold(channel);
            if (seam is { } at)
                Volatile.Write(ref _held, new Dictionary<string, Internal.HeldPublishes>(_held ?? []) { [channel] = Internal.HeldPublishes.After(at.Epoch, at.Offset) });
        }
    }

    /// <summary>Drops the channel's hold or seam (under the hold's lock; readers see a new dictionary).</summary>
    private void RemoveHold(string channel)
    {
        var held = new Dictionary<string, Internal.HeldPublishes>(_held!);
        held.Remove(channel);
        Volatile.Write(ref _held, held.Count == 0 ? null : held);
    }

    /// <summary>Whether OUTBOUND middleware must see publishes of <paramref name="channel"/> (its filter is application code: never under a lock).</summary>
    private bool WantsOutboundMiddleware(string channel) =>
        Server.Middleware.Wants(Middleware.MiddlewareType.Outbound, new Middleware.ActionInfo(Middleware.ActionType.PublishOut, channel, Request));

    /// <summary>Sends a publish of <paramref name="channel"/> now: to the outbox, or through the actor for OUTBOUND middleware.</summary>
    private void DeliverNow(string channel, byte[] frame, bool viaActor)
    {
        if (viaActor) ActorRef.Tell(new Internal.SocketActor.DeliverPublish(channel, frame));
        else if (_state != SocketState.Closed) Outbox.Post(frame, writeHere: false); // the broker never writes itself: fan-out spreads over the pool
    }

    internal void SendPacket(in OutboundPacket packet) => SendFrame(Server.Codec.Encode(packet));


    public override string ToString() => $"AGServerSocket({Id}, {State})";
}
