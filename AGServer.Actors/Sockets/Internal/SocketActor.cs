using AGServer.Server.Internal;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using AGServer.Auth;
using AGServer.Middleware;
using AGServer.Streams;
using AGServer.Protocol;
using AGServer.Server;
using static AGServer.Sockets.TransportMessages;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Owns one connection's protocol state: handshake, pongs (the server's <see cref="KeepAliveWheel"/> sends the pings and
/// reports silence), pending invokes, lifecycle events. Its phases are behaviours: <see cref="Connecting"/> →
/// <see cref="Open"/> → <see cref="Closed"/> (the actor stops once the connection is gone), each saying what a message
/// means in it. Talks to its connection only through <see cref="ISocketTransport"/>, writes only through its outbox.
/// Inbound frames are processed one after another in arrival order.
/// </summary>
internal sealed partial class SocketActor : UntypedActor, IWithTimers
{
    internal sealed record InvokeClient(string Event, object? Data, int AckTimeout, TaskCompletionSource<JsonElement> Completion);

    private sealed record InvokeTimedOut(long Cid);

    private static readonly byte[] EmptyFrame = [];
    private static readonly byte[] PongV1 = "#2"u8.ToArray();

    private readonly SocketClusterServer _server;
    private readonly AGServerOptions _options;
    private readonly ISocketTransport _transport;
    private readonly AGServerSocket _socket;
    private readonly PendingInvokes _pending = new();
    private readonly byte[] _pongFrame;
    private KeepAliveWheel.Member? _keepAlive;
    private long _handshakeDeadline = -1;

    public SocketActor(SocketClusterServer server, ISocketTransport transport, SocketRequest request, EventStream<AGAction>? handshakeStream)
    {
        _handshakeStream = handshakeStream;
        _server = server;
        _options = server.Options;
        _transport = transport;
        _socket = new AGServerSocket(server.Sockets.NewSocketId(), Self, server, transport, request);
        _pongFrame = _options.ProtocolVersion == 1 ? PongV1 : EmptyFrame;
        _phase = Connecting;
        WatchConsumers();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// A socket starts <see cref="Connecting"/>; the handshake's answer makes it <see cref="Open"/>; its end, from either,
    /// makes it <see cref="Closed"/> until the connection is gone. Each phase is a <c>switch</c> rather than
    /// ReceiveActor's per-instance handler tables: thousands of sockets, each an actor.
    /// </summary>
    protected override void OnReceive(object message) => Connecting(message);

    /// <summary>The current phase, for a command handled as another message of that phase.</summary>
    private UntypedReceive _phase;

    private void Enter(UntypedReceive phase)
    {
        _phase = phase;
        Become(phase);
    }

    /// <summary>
    /// Until the handshake completes: the handshake deadline runs, the application may neither sign a token nor invoke
    /// the client, and the user's other sessions are not counted yet.
    /// </summary>
    private void Connecting(object message)
    {
        switch (message)
        {
            case HandshakeDeadlines.Expired:
                _server.Metrics.Handshake("timed_out");
                Disconnect(CloseCodes.HandshakeTimedOut, null);
                break;
            case InvokeClient invoke:
                RefuseInvoke(invoke);
                break;
            case SetAuthToken set:
                RefuseSetAuthToken(set);
                break;
            case SessionStarted started:
                _server.Users.HeardSessionStart(started.Since);
                break;
            case SessionExists exists:
                _server.Users.HeardSessionStart(exists.Since);
                break;
            default:
                Live(message);
                break;
        }
    }

    /// <summary>After the handshake: invokes reach the client, tokens are signed, the user's sessions are counted.</summary>
    private void Open(object message)
    {
        switch (message)
        {
            case InvokeClient invoke:
                OnInvokeClient(invoke);
                break;
            case SetAuthToken set:
                OnSetAuthToken(set);
                break;
            case SessionStarted started:
                OnSessionStarted(started);
                break;
            case SessionExists exists:
                OnSessionExists(exists);
                break;
            case HandshakeDeadlines.Expired:
                break; // told just before the handshake completed
            default:
                Live(message);
                break;
        }
    }

    /// <summary>What a socket does in both live phases: its frames, its connection's end, the application's commands.</summary>
    private void Live(object message)
    {
        switch (message)
        {
            case FrameReceived frame:
                OnFrame(frame);
                break;
            case Continue next:
                next.Then();
                Resume();
                break;
            case TransportClosed closed:
                Destroy(closed.Code, closed.Reason);
                Context.Stop(Self);
                break;
            case OutboundOverflow:
                Disconnect(CloseCodes.OutboundQueueOverflow, null);
                break;
            case SocketCommand { Kind: SocketCommandKind.Disconnect } disconnect:
                Disconnect(disconnect.Code, disconnect.Reason);
                break;
            case SessionEnded ended:
                _otherSessions?.Remove(ended.SocketId);
                break;
            case SocketCommand { Kind: SocketCommandKind.Transmit } transmit:
                _socket.Transmit(transmit.Event, transmit.Data);
                break;
            case InvokeTimedOut timedOut:
                _pending.TimeOut(timedOut.Cid);
                break;
            case KeepAliveWheel.Silent:
                // Frames that were waiting in the mailbox ahead of this message may have been heard from since.
                if (_keepAlive is { } member && member.SilentFor(Environment.TickCount64) > _options.PingTimeout)
                    Disconnect(CloseCodes.ClientPongTimedOut, null);
                break;
            default:
                if (!ReceiveCommand(message) && !ReceivePubSub(message) && !ReceiveChannelState(message) && !ReceiveAuth(message)
                    && !ReceiveMiddleware(message) && !ReceiveBatching(message) && !ReceiveUnclaimed(message))
                    Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// After the socket's end (its events emitted, its close frame on its way), until its connection is gone: nothing
    /// reaches the client any more and nothing is read; what waits for an answer gets one, as on socketcluster-server a
    /// closed socket's <c>invoke</c> fails and its <c>setAuthToken</c> and <c>deauthenticate</c> still change its state.
    /// </summary>
    private void Closed(object message)
    {
        switch (message)
        {
            case TransportClosed:
                Context.Stop(Self);
                break;
            case Continue next:
                next.Then(); // a step that was awaited answers whoever waits for it; inbound processing is over
                break;
            case InvokeClient invoke:
                RefuseInvoke(invoke);
                break;
            case SetAuthToken set:
                OnSetAuthToken(set);
                break;
            case EndMiddlewares or DeauthenticateSocket or KickOut:
            case SocketCommand { Kind: not (SocketCommandKind.Transmit or SocketCommandKind.Disconnect) }:
                if (!ReceiveCommand(message) && !ReceiveAuth(message) && !ReceivePubSub(message)) ReceiveMiddleware(message);
                break;
            default:
                break; // frames, deliveries, timers and answers: a closed socket has no use for them
        }
    }

    /// <summary>
    /// An application actor's command that asks for an answer or changes the socket's state; those that an
    /// <see cref="AGServerSocket"/> call also makes are handled as that call is in the current phase.
    /// </summary>
    private bool ReceiveCommand(object message)
    {
        if (message is not SocketCommand command) return false;
        switch (command.Kind)
        {
            case SocketCommandKind.Invoke:
                OnInvokeCommand(command, Sender);
                return true;
            case SocketCommandKind.KickOut:
                _phase(new KickOut(command.Channel, command.Data, new TaskCompletionSource()));
                return true;
            case SocketCommandKind.SetAuthToken:
                _phase(new SetAuthToken(command.Data!, new AuthTokenOptions(ExpiresIn: command.ExpiresIn), new TaskCompletionSource()));
                return true;
            case SocketCommandKind.RemoveAuthToken:
                _phase(new DeauthenticateSocket(false, new TaskCompletionSource()));
                return true;
            default:
                return false;
        }
    }

    internal AGServerSocket Socket => _socket;

    protected override void PreStart()
    {
        _server.AddPending(_socket);
        _server.Emit(ServerEvents.Handshake, _socket);
        _handshakeDeadline = _server.HandshakeDeadlines.Add(Self);
        _keepAlive = _server.KeepAlive?.Add(_socket, Self);
        _transport.TakePongsWith(_keepAlive);
        _socket.Outbox.Attach(Self);
        _transport.Attach(Self, _socket.Outbox);
    }

    protected override void PostStop()
    {
        LeaveHandshakeDeadline();
        DisposeBuckets();
        StopBatchTimer();
        if (_handshakeSpan is not null) EndHandshakeSpan("SocketClosed");
        LeaveKeepAlive();
        // Reached with the socket still up only when this actor failed: close that connection, touch nothing else.
        if (_socket.State != SocketState.Closed)
        {
            Destroy(CloseCodes.ServerFault, null);
            _socket.Outbox.Close(CloseCodes.ServerFault, CloseCodes.ReasonFor(CloseCodes.ServerFault));
        }
    }

    private void OnPong()
    {
        if (IsAuthTokenExpired()) Deauthenticate(false);
    }

    private void OnInvokeClient(InvokeClient invoke)
    {
        if (_socket.State != SocketState.Open)
        {
            RefuseInvoke(invoke);
            return;
        }
        var cid = _pending.Add(invoke.Event, invoke.Completion);
        var metrics = _server.Metrics;
        if (metrics.RecordsRpcClient)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            invoke.Completion.Task.ContinueWith(done => metrics.RpcClient(invoke.Event, System.Diagnostics.Stopwatch.GetElapsedTime(started),
                done.IsCompletedSuccessfully ? "ok" : done.Exception?.InnerException is INamedError named ? named.Name : "error"), TaskScheduler.Default);
        }
        _socket.SendPacket(OutboundPacket.Invoke(invoke.Event, invoke.Data, cid));
        Timers.StartSingleTimer(InvokeTimerKey(cid), new InvokeTimedOut(cid), TimeSpan.FromMilliseconds(invoke.AckTimeout));
    }

    /// <summary>An invoke of a socket that is not open fails at once, as socketcluster-server's does.</summary>
    private static void RefuseInvoke(InvokeClient invoke) => invoke.Completion.TrySetException(
        new BadConnectionError($"Socket invoke {invoke.Event} event was aborted due to a bad connection", "connectAbort"));

    /// <summary>An application actor's invoke: its outcome goes back to <paramref name="replyTo"/> as a reply message.</summary>
    private void OnInvokeCommand(SocketCommand invoke, IActorRef replyTo)
    {
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var socketId = _socket.Id;
        completion.Task.ContinueWith(done => replyTo.Tell(done.IsCompletedSuccessfully
            ? new InvokeReply(socketId, invoke.Event, invoke.CorrelationId, done.Result, null)
            : new InvokeReply(socketId, invoke.Event, invoke.CorrelationId, default, Named(done.Exception!.InnerException!))), TaskScheduler.Default);
        OnInvokeClient(new InvokeClient(invoke.Event, invoke.Data, invoke.AckTimeoutMilliseconds ?? _options.AckTimeout, completion));

        // Only the name and message travel (as sc-errors dehydrates them), so the reply reads the same on every node.
        static AGError Named(Exception error) => new(error is INamedError named ? named.Name : error.GetType().Name, error.Message);
    }

    private static (string, long) InvokeTimerKey(long cid) => ("invoke", cid);

    private void LeaveHandshakeDeadline()
    {
        if (_handshakeDeadline < 0) return;
        _server.HandshakeDeadlines.Remove(_handshakeDeadline);
        _handshakeDeadline = -1;
    }

    private void LeaveKeepAlive()
    {
        if (_keepAlive is null) return;
        _transport.TakePongsWith(null);
        _server.KeepAlive!.Remove(_keepAlive);
        _keepAlive = null;
    }

    /// <summary>Ends the socket from the server side: events first, then the close frame.</summary>
    private void Disconnect(int code, string? reason)
    {
        if (_socket.State == SocketState.Closed) return;
        Destroy(code, reason);
        _socket.Outbox.Close(code, reason ?? CloseCodes.ReasonFor(code));
    }

    /// <summary>socketcluster-server's _destroy: state, pending invokes, events in its order, registries, cleanup.</summary>
    private void Destroy(int code, string? reason)
    {
        if (reason is null && !(code == CloseCodes.Normal)) reason = CloseCodes.ReasonFor(code);
        var previous = _socket.State;
        _socket.State = SocketState.Closed;
        Enter(Closed);
        Timers.CancelAll();
        StopBatchTimer();
        LeaveHandshakeDeadline();
        LeaveKeepAlive();
        _unclaimed?.Clear();
        _socket.CancelBatch();
        _server.Metrics.Disconnection(code);
        // Out of the registries before any event: a listener (which runs after this, as socketcluster-server's async
        // consumers run after its synchronous _destroy) never sees a closed socket counted.
        _server.Remove(_socket);

        if (previous == SocketState.Connecting)
        {
            _pending.AbortAll("connectAbort");
            EmitBoth(SocketEvents.ConnectAbort, ServerEvents.ConnectionAbort, new CloseEvent(_socket, code, reason));
        }
        else
        {
            _pending.AbortAll("disconnect");
            EmitBoth(SocketEvents.Disconnect, ServerEvents.Disconnection, new CloseEvent(_socket, code, reason));
        }
        EmitBoth(SocketEvents.Close, ServerEvents.Closure, new CloseEvent(_socket, code, reason));

        if (!CloseCodes.IsNormal(code))
        {
            var message = CloseCodes.ReasonFor(code)
                          ?? (reason is null
                              ? $"Socket connection closed with status code {code}"
                              : $"Socket connection closed with status code {code} and reason: {reason}");
            EmitError(new SocketProtocolError(message, code));
        }

        OnDestroyed();

        EmitSocket(SocketEvents.End, new CloseEvent(_socket, code, reason));
        switch (_options.SocketStreamCleanupMode)
        {
            case SocketStreamCleanupMode.Kill:
                KillMiddlewareStreams();
                // Listeners are closed, not killed: a consumer on another thread may not have taken the close,
                // disconnect or end event yet, where socketcluster-server's (single-threaded) consumers always have.
                // Ended rather than killed or closed: a stream the application starts on this socket later ends at once.
                _socket.Listeners.End(kill: false);
                _socket.Receivers.End(kill: true);
                _socket.Procedures.End(kill: true);
                break;
            case SocketStreamCleanupMode.Close:
                CloseMiddlewareStreams();
                _socket.Listeners.End(kill: false);
                _socket.Receivers.End(kill: false);
                _socket.Procedures.End(kill: false);
                break;
            case SocketStreamCleanupMode.None:
                CloseMiddlewareStreams();
                var socket = _socket;
                _server.System.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMilliseconds(_options.AckTimeout), () =>
                {
                    socket.Listeners.End(kill: false);
                    socket.Receivers.End(kill: false);
                    socket.Procedures.End(kill: false);
                });
                break;
        }
    }

    /// <summary>What other concerns (channels) must undo once the socket is closed, before its <c>end</c> event.</summary>
    partial void OnDestroyed();

    private void EmitSocket<T>(ListenerName<T> name, T item) where T : notnull => _socket.Emit(name, item);

    /// <summary>An event of the socket that the server emits too: one record, the socket's listeners first.</summary>
    private void EmitBoth<T>(ListenerName<T> socketEvent, ListenerName<T> serverEvent, T item) where T : notnull
    {
        _socket.Emit(socketEvent, item);
        _server.Emit(serverEvent, item);
    }

    private void EmitError(Exception error) => _socket.EmitError(error);


}
