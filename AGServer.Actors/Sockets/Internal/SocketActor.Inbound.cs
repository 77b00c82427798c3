using System.Text;
using Akka.Actor;
using AGServer.Middleware;
using AGServer.Protocol;
using static AGServer.Sockets.TransportMessages;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Inbound processing: frames and their packets are handled one after another in arrival order. A step that must
/// wait (middleware, a subscribe confirmed by the broker, an asynchronous auth engine) suspends processing; later
/// frames queue up behind it, and nothing else (timers, outbound, other sockets) waits.
/// </summary>
internal sealed partial class SocketActor
{
    /// <summary>Scratch list for decoding; shared per thread since decoding finishes within one message.</summary>
    [ThreadStatic] private static List<InboundPacket>? _packets;
    private readonly Queue<ReadOnlyMemory<byte>> _waitingFrames = new();
    /// <summary>Packets waiting their turn; a frame's last packet carries the frame's credit, released after it.</summary>
    private readonly Queue<(InboundPacket Packet, ReadOnlyMemory<byte> Frame, int Credit)> _waitingPackets = new();
    private int _suspensions;
    private Auth.AuthTokenExpiredError? _packetExpiredError;

    private sealed record Continue(Action Then);

    private void OnFrame(FrameReceived received)
    {
        var frame = received.Frame;
        Interlocked.Increment(ref _socket.InboundReceived);
        _keepAlive?.Heard();
        _waitingFrames.Enqueue(frame);
        Drain();
    }

    /// <summary>Processes queued packets and frames in arrival order until done or suspended.</summary>
    private void Drain()
    {
        while (_suspensions == 0 && _socket.State != SocketState.Closed)
        {
            if (_waitingPackets.TryDequeue(out var next))
            {
                ProcessPacket(next.Packet, next.Frame);
                if (next.Credit != NoCredit) _transport.ReleaseInbound(next.Credit);
            }
            else if (_waitingFrames.TryDequeue(out var frame))
                TakeFrame(frame);
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

    /// <summary>
    /// Runs <paramref name="then"/> with the outcome of <paramref name="work"/> on this actor: at once when the work
    /// finished synchronously, else once it finished, with inbound processing suspended meanwhile.
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
                static (t, state) =>
                {
                    var then = (Action<T?, Exception?>)state!;
                    var result = t.IsCompletedSuccessfully ? t.Result : default;
                    var error = t.Exception?.InnerException ?? (t.IsCanceled ? new TaskCanceledException() : null);
                    return new Continue(() => then(result, error));
                },
                then,
                TaskScheduler.Default)
            .PipeTo(Self);
    }

    /// <summary>One frame: the MESSAGE middleware may replace or drop it; then the message event; then its packets.</summary>
    private void TakeFrame(ReadOnlyMemory<byte> frame)
    {
        Interlocked.Increment(ref _socket.InboundProcessed);
        if (!_server.Middleware.Wants(MiddlewareType.InboundRaw, new ActionInfo(ActionType.Message, null, _socket.Request)))
            Decode(frame, frame.Length);
        else
            TakeFrameThroughMiddleware(frame);
    }

    // Apart from TakeFrame: the lambda's closure would otherwise be allocated for every frame, middleware or not.
    private void TakeFrameThroughMiddleware(ReadOnlyMemory<byte> frame)
    {
        var action = new AGAction(ActionType.Message, _socket.Request, _socket) { Message = Encoding.UTF8.GetString(frame.Span) };
        RunMiddleware(MiddlewareType.InboundRaw, ref _inboundRawStream, action, outcome =>
        {
            if (!outcome.IsAllowed)
            {
                _transport.ReleaseInbound(frame.Length);
                return;
            }
            Decode(outcome.Replaced ? Encoding.UTF8.GetBytes(outcome.Data as string ?? RawJson.From(outcome.Data, _options.JsonSerializerOptions).GetRawText()) : frame, frame.Length);
        });
    }

    /// <summary>
    /// Decodes a frame into waiting packets. <paramref name="credit"/> is the size the transport counted for it, released
    /// once its last packet was processed, or at once when it has none.
    /// </summary>
    private void Decode(ReadOnlyMemory<byte> frame, int credit)
    {
        if (_socket.Listeners.HasConsumers(SocketEvents.Message.Name))
            EmitSocket(SocketEvents.Message, Encoding.UTF8.GetString(frame.Span));
        var packets = _packets ??= new List<InboundPacket>();
        packets.Clear();
        if (frame.Span.SequenceEqual(_pongFrame))
        {
            if (_options.StrictHandshake && _socket.State == SocketState.Connecting)
                Disconnect(CloseCodes.MessageBeforeHandshake, null);
            else
                OnPong();
        }
        else if (_server.Codec.Decode(frame, packets) == FrameKind.Raw)
        {
            ProcessNonPacket(frame);
        }
        if (packets.Count == 0)
        {
            _transport.ReleaseInbound(credit);
            return;
        }
        if (packets.Count == 1 && _waitingPackets.Count == 0 && _suspensions == 0 && _socket.State != SocketState.Closed)
        {
            // The usual frame: one packet, nothing ahead of it. Processed here rather than queued, so the socket does not
            // keep a queue array (about 400 bytes) for the rest of its life after its first frame.
            var packet = packets[0];
            ProcessPacket(packet, frame);
            _transport.ReleaseInbound(credit);
            return;
        }
        for (var i = 0; i < packets.Count; i++) _waitingPackets.Enqueue((packets[i], frame, i == packets.Count - 1 ? credit : NoCredit));
    }

    private const int NoCredit = -1;

    private void ProcessPacket(in InboundPacket packet, ReadOnlyMemory<byte> frame)
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
            _packetExpiredError = CheckAuthTokenExpiry();
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
            if (_pending.Complete(packet)) Timers.Cancel(InvokeTimerKey(packet.Rid.Value));
            return;
        }
        ProcessNonPacket(frame);
    }

    /// <summary>A frame that is not a packet: before the handshake it breaks a strict handshake, after it is raw.</summary>
    private void ProcessNonPacket(ReadOnlyMemory<byte> frame)
    {
        if (_options.StrictHandshake && _socket.State == SocketState.Connecting)
        {
            Disconnect(CloseCodes.MessageBeforeHandshake, null);
            return;
        }
        if (_socket.Listeners.HasConsumers(SocketEvents.Raw.Name))
            EmitSocket(SocketEvents.Raw, Encoding.UTF8.GetString(frame.Span));
    }

    /// <summary>A transmit or invoke: through INBOUND middleware to the application's receiver or procedure streams.</summary>
    private void ProcessEvent(in InboundPacket packet)
    {
        var name = packet.Event!;
        var cid = packet.Cid;
        var data = packet.Data;
        if (!Admit(cid is null ? "transmit" : "invoke", name, cid))
        {
            DeferEvent(packet);
            return;
        }
        var type = cid is null ? ActionType.Transmit : ActionType.Invoke;
        if (cid is not null) Interlocked.Increment(ref _socket.InvokesReceived);
        if (!_server.Middleware.Wants(MiddlewareType.Inbound, new ActionInfo(type, name, _socket.Request)))
        {
            if (!TryChannelQuery(name, cid, data)) Deliver(name, cid, data);
            return;
        }
        ProcessEventThroughMiddleware(type, name, cid, data);
    }

    private void DeferEvent(InboundPacket packet) => Defer(() => ProcessEvent(packet));

    // Apart from ProcessEvent: the lambdas' closures would otherwise be allocated for every event, middleware or not.
    private void ProcessEventThroughMiddleware(ActionType type, string name, long? cid, RawJson data)
    {
        var action = new AGAction(type, _socket.Request, _socket)
        {
            Procedure = cid is null ? null : name,
            Receiver = cid is null ? name : null,
            Data = data,
            AuthTokenExpiredError = _packetExpiredError,
        };
        RunInboundMiddleware(action, cid, outcome =>
        {
            var allowed = outcome.Replaced ? RawJson.From(outcome.Data, _options.JsonSerializerOptions) : data;
            if (!TryChannelQuery(name, cid, allowed)) Deliver(name, cid, allowed);
        });
    }
}
