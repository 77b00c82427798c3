using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using AGServer.Auth;
using AGServer.Protocol;
using AGServer.Server;
using static AGServer.Sockets.TransportMessages;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Owns one connection's protocol state: handshake, ping/pong, pending invokes, lifecycle events.
/// Connecting → Open → Closed. Talks to its connection only through <see cref="ISocketTransport"/>.
/// Inbound frames are processed one after another in arrival order.
/// </summary>
internal sealed partial class SocketActor : ReceiveActor, IWithTimers
{
    internal sealed record InvokeClient(string Event, object? Data, int AckTimeout, TaskCompletionSource<JsonElement> Completion);

    private sealed record SendPing
    {
        public static readonly SendPing Instance = new();
    }

    private sealed record PongTimedOut
    {
        public static readonly PongTimedOut Instance = new();
    }

    private sealed record HandshakeTimedOut
    {
        public static readonly HandshakeTimedOut Instance = new();
    }

    private sealed record InvokeTimedOut(long Cid);

    private const string PingTimerKey = "ping";
    private const string PongTimerKey = "pong";
    private const string HandshakeTimerKey = "handshake";
    private const int PongResetFrequencyDivisor = 4;

    private static readonly byte[] EmptyFrame = [];
    private static readonly byte[] PingV1 = "#1"u8.ToArray();
    private static readonly byte[] PongV1 = "#2"u8.ToArray();

    private readonly AGServer _server;
    private readonly AGServerOptions _options;
    private readonly ISocketTransport _transport;
    private readonly AGServerSocket _socket;
    private readonly PendingInvokes _pending = new();
    private readonly List<InboundPacket> _packets = new();
    private readonly Queue<byte[]> _waitingFrames = new();
    private readonly Queue<(InboundPacket Packet, byte[] Frame)> _waitingPackets = new();
    private int _suspensions;
    private readonly byte[] _pingFrame;
    private readonly byte[] _pongFrame;
    private readonly long _pongResetInterval;
    private long _lastPongReset;

    public SocketActor(AGServer server, ISocketTransport transport, SocketRequest request)
    {
        _server = server;
        _options = server.Options;
        _transport = transport;
        _socket = new AGServerSocket(NewId(), Self, server, transport, request);
        _pingFrame = _options.ProtocolVersion == 1 ? PingV1 : EmptyFrame;
        _pongFrame = _options.ProtocolVersion == 1 ? PongV1 : EmptyFrame;
        _pongResetInterval = _options.PingTimeout / PongResetFrequencyDivisor;

        Receive<FrameReceived>(OnFrame);
        Receive<TransportClosed>(OnTransportClosed);
        Receive<OutboundOverflow>(_ => Disconnect(CloseCodes.OutboundQueueOverflow, null));
        Receive<SocketCommands.Disconnect>(d => Disconnect(d.Code, d.Reason));
        Receive<SocketCommands.Transmit>(t => _socket.Transmit(t.Event, t.Data));
        Receive<InvokeClient>(OnInvokeClient);
        ReceivePubSub();
        ReceiveAuth();
        Receive<Continue>(c =>
        {
            c.Then();
            Resume();
        });
        Receive<InvokeTimedOut>(t => _pending.TimeOut(t.Cid));
        Receive<SendPing>(_ =>
        {
            if (_socket.State != SocketState.Closed) _transport.Send(_pingFrame);
        });
        Receive<PongTimedOut>(_ => Disconnect(CloseCodes.ClientPongTimedOut, null));
        Receive<HandshakeTimedOut>(_ =>
        {
            if (_socket.State == SocketState.Connecting) Disconnect(CloseCodes.HandshakeTimedOut, null);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    internal AGServerSocket Socket => _socket;

    /// <summary>Unique, unguessable socket ids, as socketcluster-server's base64id.</summary>
    private static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));

    protected override void PreStart()
    {
        _server.AddPending(_socket);
        _server.Emit(ServerEvents.Handshake, new HandshakeEvent(_socket));
        Timers.StartSingleTimer(HandshakeTimerKey, HandshakeTimedOut.Instance, TimeSpan.FromMilliseconds(_options.HandshakeTimeout));
        if (!_options.PingTimeoutDisabled)
        {
            var interval = TimeSpan.FromMilliseconds(_options.PingInterval);
            Timers.StartPeriodicTimer(PingTimerKey, SendPing.Instance, interval, interval);
            ResetPongTimeout();
        }
        _transport.Attach(Self);
    }

    protected override void PostStop()
    {
        // Reached with the socket still up only when this actor failed: close that connection, touch nothing else.
        if (_socket.State != SocketState.Closed)
        {
            Destroy(CloseCodes.ServerFault, null);
            _transport.Close(CloseCodes.ServerFault, CloseCodes.ReasonFor(CloseCodes.ServerFault));
        }
    }

    private void OnFrame(FrameReceived received)
    {
        var frame = received.Frame;
        Interlocked.Increment(ref _socket.InboundReceived);
        if (frame.AsSpan().SequenceEqual(_pongFrame) || Environment.TickCount64 - _lastPongReset > _pongResetInterval)
            ResetPongTimeout();
        if (_socket.Listeners.HasConsumers(SocketEvents.Message.Name))
            EmitSocket(SocketEvents.Message, new MessageEvent(Encoding.UTF8.GetString(frame)));
        _waitingFrames.Enqueue(frame);
        Drain();
    }

    /// <summary>
    /// Processes queued packets and frames in arrival order until done, or until a packet suspends processing
    /// (a subscribe waits for the broker) — then <see cref="Resume"/> carries on.
    /// </summary>
    private void Drain()
    {
        while (_suspensions == 0 && _socket.State != SocketState.Closed)
        {
            if (_waitingPackets.TryDequeue(out var next))
                ProcessPacket(next.Packet, next.Frame);
            else if (_waitingFrames.TryDequeue(out var frame))
                Decode(frame);
            else
                return;
        }
    }

    /// <summary>Holds inbound processing until the matching <see cref="Resume"/>; suspensions nest.</summary>
    private void Suspend() => _suspensions++;

    private void Resume()
    {
        if (_suspensions > 0) _suspensions--;
        Drain();
    }

    private sealed record Continue(Action Then);

    /// <summary>
    /// Runs <paramref name="then"/> with the outcome of <paramref name="work"/> on this actor: at once when the work
    /// finished synchronously (the common case), else after it finished, with inbound processing held meanwhile.
    /// </summary>
    private void Await<T>(ValueTask<T> work, Action<T?, Exception?> then)
    {
        if (work.IsCompleted)
        {
            T? result = default;
            Exception? error = null;
            try
            {
                result = work.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                error = e;
            }
            then(result, error);
            return;
        }
        Suspend();
        work.AsTask().ContinueWith(
                t => new Continue(() => then(t.IsCompletedSuccessfully ? t.Result : default, t.Exception?.InnerException ?? (t.IsCanceled ? new TaskCanceledException() : null))),
                TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void Decode(byte[] frame)
    {
        Interlocked.Increment(ref _socket.InboundProcessed);
        if (frame.AsSpan().SequenceEqual(_pongFrame))
        {
            if (_options.StrictHandshake && _socket.State == SocketState.Connecting)
                Disconnect(CloseCodes.MessageBeforeHandshake, null);
            else
                OnPong();
            return;
        }
        _packets.Clear();
        if (_options.Codec.Decode(frame, _packets) == FrameKind.Raw)
        {
            ProcessNonPacket(frame);
            return;
        }
        foreach (var packet in _packets) _waitingPackets.Enqueue((packet, frame));
    }

    private void ProcessPacket(in InboundPacket packet, byte[] frame)
    {
        if (packet.Event is { } eventName)
        {
            if (eventName == "#handshake")
            {
                ProcessHandshake(packet);
                return;
            }
            if (_options.StrictHandshake && _socket.State == SocketState.Connecting)
            {
                Disconnect(CloseCodes.MessageBeforeHandshake, null);
                return;
            }
            switch (eventName)
            {
                case "#authenticate":
                    ProcessAuthenticate(packet);
                    return;
                case "#removeAuthToken":
                    DeauthenticateSelf();
                    return;
            }
            CheckAuthTokenExpiry();
            switch (eventName)
            {
                case "#subscribe":
                    ProcessSubscribe(packet);
                    return;
                case "#unsubscribe":
                    ProcessUnsubscribe(packet);
                    return;
                case "#publish":
                    ProcessPublish(packet);
                    return;
            }
            ProcessEvent(packet);
            return;
        }
        if (packet.Rid is not null && !(_options.StrictHandshake && _socket.State == SocketState.Connecting))
        {
            _pending.Complete(packet);
            return;
        }
        ProcessNonPacket(frame);
    }

    /// <summary>A frame that is not a packet: before the handshake it breaks a strict handshake, after it is raw.</summary>
    private void ProcessNonPacket(byte[] frame)
    {
        if (_options.StrictHandshake && _socket.State == SocketState.Connecting)
        {
            Disconnect(CloseCodes.MessageBeforeHandshake, null);
            return;
        }
        if (_socket.Listeners.HasConsumers(SocketEvents.Raw.Name))
            EmitSocket(SocketEvents.Raw, new RawEvent(Encoding.UTF8.GetString(frame)));
    }

    /// <summary>A transmit or invoke to an application receiver or procedure.</summary>
    private void ProcessEvent(in InboundPacket packet)
    {
        var name = packet.Event!;
        if (packet.Cid is { } cid)
        {
            var request = new AGRequest(_socket, cid, name, packet.Data);
            _socket.Procedures.Emit(name, request);
            _server.Procedures.Emit(name, request);
        }
        else
        {
            var message = new ReceivedMessage(_socket, name, packet.Data);
            _socket.Receivers.Emit(name, message);
            _server.Receivers.Emit(name, message);
        }
    }

    private void ProcessHandshake(in InboundPacket packet)
    {
        if (packet.Cid is not { } cid)
        {
            EmitError(new InvalidActionError("Handshake request was malformatted"));
            Disconnect(CloseCodes.HandshakeRejected, null);
            return;
        }
        if (_socket.State != SocketState.Connecting) return;
        Timers.Cancel(HandshakeTimerKey);
        var signedToken = packet.Data.TryGetProperty("authToken"u8, out var token) ? token.AsString() : null;
        if (signedToken is null)
        {
            CompleteHandshake(cid, null, default);
            return;
        }
        Verify(signedToken, result => CompleteHandshake(cid, signedToken, result));
    }

    /// <summary>socketcluster-server's handshake: a refused token is a soft failure reported in the answer.</summary>
    private void CompleteHandshake(long cid, string? signedToken, VerifiedToken verified)
    {
        if (_socket.State != SocketState.Connecting) return;
        var oldAuthState = _socket.AuthState;
        Exception? authError = null;
        if (signedToken is not null && !ApplyVerifiedToken(signedToken, verified, out authError) && authError is AuthTokenErrorBase { IsBadToken: true })
            Deauthenticate(null);

        var isAuthenticated = _socket.AuthState == AuthState.Authenticated;
        _socket.State = SocketState.Open;
        _server.Promote(_socket);
        _socket.SendPacket(OutboundPacket.Response(cid, new HandshakeResponse(_socket.Id, _options.PingTimeout, isAuthenticated,
            authError is null ? null : new DehydratedError(authError))));
        EmitSocket(SocketEvents.Connect, new ConnectEvent(_socket.Id, _options.PingTimeout, isAuthenticated, authError));
        _server.Emit(ServerEvents.Connection, new ConnectionEvent(_socket, _socket.Id, _options.PingTimeout, isAuthenticated, authError));
        if (isAuthenticated) TriggerAuthenticationEvents(oldAuthState);
    }

    private void OnPong()
    {
        if (IsAuthTokenExpired()) Deauthenticate(null);
    }

    private void OnInvokeClient(InvokeClient invoke)
    {
        if (_socket.State != SocketState.Open)
        {
            invoke.Completion.TrySetException(new BadConnectionError(
                $"Socket invoke {invoke.Event} event was aborted due to a bad connection", "connectAbort"));
            return;
        }
        var cid = _pending.Add(invoke.Event, invoke.Completion);
        _socket.SendPacket(OutboundPacket.Invoke(invoke.Event, invoke.Data, cid));
        Timers.StartSingleTimer(("invoke", cid), new InvokeTimedOut(cid), TimeSpan.FromMilliseconds(invoke.AckTimeout));
    }

    private void ResetPongTimeout()
    {
        if (_options.PingTimeoutDisabled) return;
        Timers.StartSingleTimer(PongTimerKey, PongTimedOut.Instance, TimeSpan.FromMilliseconds(_options.PingTimeout));
        _lastPongReset = Environment.TickCount64;
    }

    private void OnTransportClosed(TransportClosed closed)
    {
        if (_socket.State != SocketState.Closed) Destroy(closed.Code, closed.Reason);
        Context.Stop(Self);
    }

    /// <summary>Ends the socket from the server side: events first, then the close frame.</summary>
    private void Disconnect(int code, string? reason)
    {
        if (_socket.State == SocketState.Closed) return;
        Destroy(code, reason);
        _transport.Close(code, reason ?? CloseCodes.ReasonFor(code));
    }

    /// <summary>socketcluster-server's _destroy: state, pending invokes, events in its order, registries, cleanup.</summary>
    private void Destroy(int code, string? reason)
    {
        if (reason is null && !(code == CloseCodes.Normal)) reason = CloseCodes.ReasonFor(code);
        var previous = _socket.State;
        _socket.State = SocketState.Closed;
        Timers.CancelAll();

        if (previous == SocketState.Connecting)
        {
            _pending.AbortAll("connectAbort");
            EmitSocket(SocketEvents.ConnectAbort, new ConnectAbortEvent(code, reason));
            _server.Emit(ServerEvents.ConnectionAbort, new ConnectionAbortEvent(_socket, code, reason));
        }
        else
        {
            _pending.AbortAll("disconnect");
            EmitSocket(SocketEvents.Disconnect, new DisconnectEvent(code, reason));
            _server.Emit(ServerEvents.Disconnection, new DisconnectionEvent(_socket, code, reason));
        }
        EmitSocket(SocketEvents.Close, new CloseEvent(code, reason));
        _server.Emit(ServerEvents.Closure, new ClosureEvent(_socket, code, reason));
        _server.Remove(_socket);

        if (!CloseCodes.IsNormal(code))
        {
            var message = CloseCodes.ReasonFor(code)
                          ?? (reason is null
                              ? $"Socket connection closed with status code {code}"
                              : $"Socket connection closed with status code {code} and reason: {reason}");
            EmitError(new SocketProtocolError(message, code));
        }

        OnDestroyed();

        EmitSocket(SocketEvents.End, new EndEvent());
        switch (_options.SocketStreamCleanupMode)
        {
            case SocketStreamCleanupMode.Kill:
                _socket.Listeners.KillAll();
                _socket.Receivers.KillAll();
                _socket.Procedures.KillAll();
                break;
            case SocketStreamCleanupMode.Close:
                _socket.Listeners.CloseAll();
                _socket.Receivers.CloseAll();
                _socket.Procedures.CloseAll();
                break;
        }
    }

    /// <summary>What other concerns (channels) must undo once the socket is closed, before its <c>end</c> event.</summary>
    partial void OnDestroyed();

    private void EmitSocket<T>(Streams.ListenerName<T> name, T item) => _socket.Listeners.Emit(name.Name, item);

    private void EmitError(Exception error) => _socket.EmitError(error);

    private sealed record HandshakeResponse(
        string Id,
        int PingTimeout,
        bool IsAuthenticated,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        DehydratedError? AuthError);
}
