using Akka.Actor;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Streams;

namespace AGServer.Sockets.Internal;

/// <summary>
/// The socket's middleware streams and how actions pass through them. Inbound actions are settled one after another
/// (inbound processing waits); outbound (PUBLISH_OUT) actions have their own queue, so neither waits for the other.
/// </summary>
internal sealed partial class SocketActor
{
    /// <summary>A publish for this socket, routed through the actor because OUTBOUND middleware is set.</summary>
    internal sealed record DeliverPublish(string Channel, byte[] Frame);

    private sealed record OutboundSettled(AGAction Action, byte[] Frame, ActionOutcome Outcome);

    private EventStream<AGAction>? _handshakeStream;
    private EventStream<AGAction>? _inboundRawStream;
    private EventStream<AGAction>? _inboundStream;
    private EventStream<AGAction>? _outboundStream;
    private readonly Queue<DeliverPublish> _outboundQueue = new();
    private bool _outboundBusy;

    /// <summary>The client asked to drop its token (#removeAuthToken): unauthenticate without telling it.</summary>
    internal sealed record DeauthenticateSelfCommand
    {
        public static readonly DeauthenticateSelfCommand Instance = new();
    }

    /// <summary>End the consumers of the socket's middleware streams: after their backlog, or (<paramref name="AtOnce"/>) at once.</summary>
    internal sealed record EndMiddlewares(bool AtOnce)
    {
        public static readonly EndMiddlewares AfterBacklog = new(false);
        public static readonly EndMiddlewares Now = new(true);
    }

    private bool ReceiveMiddleware(object message)
    {
        switch (message)
        {
            case DeliverPublish deliver:
                // Publishes waiting for OUTBOUND middleware count against the socket's outbound bound, as queued frames do.
                if (_outboundQueue.Count >= _options.OutboundQueueLimit)
                {
                    if (_socket.State != SocketState.Closed) Disconnect(CloseCodes.OutboundQueueOverflow, null);
                    return true;
                }
                _outboundQueue.Enqueue(deliver);
                if (!_outboundBusy) NextOutbound();
                return true;
            case OutboundSettled settled:
                OnOutboundSettled(settled);
                return true;
            case DeauthenticateSelfCommand:
                DeauthenticateSelf();
                return true;
            case EndMiddlewares { AtOnce: true }:
                KillMiddlewareStreams();
                return true;
            case EndMiddlewares:
                CloseMiddlewareStreams();
                return true;
            default:
                return false;
        }
    }

    private void KillMiddlewareStreams()
    {
        _handshakeStream?.Kill();
        _inboundRawStream?.Kill();
        _inboundStream?.Kill();
        _outboundStream?.Kill();
    }

    private void CloseMiddlewareStreams()
    {
        _handshakeStream?.Close();
        _inboundRawStream?.Close();
        _inboundStream?.Close();
        _outboundStream?.Close();
    }

    private void RunInboundMiddleware(AGAction action, Action<ActionOutcome> then) =>
        RunMiddleware(MiddlewareType.Inbound, ref _inboundStream, action, then);

    /// <summary>
    /// INBOUND middleware for a packet: continues with <paramref name="allowed"/>, or answers a blocked request with the
    /// client's error (a blocked transmit, with no <paramref name="cid"/>, just vanishes).
    /// </summary>
    private void RunInboundMiddleware(AGAction action, long? cid, Action<ActionOutcome> allowed) =>
        RunInboundMiddleware(action, outcome =>
        {
            if (outcome.IsAllowed)
            {
                allowed(outcome);
                return;
            }
            if (action.Type == ActionType.Subscribe) _server.Metrics.Subscribed("blocked");
            else if (action.Type == ActionType.PublishIn) _server.Metrics.Published("blocked");
            if (cid is { } id) _socket.SendPacket(OutboundPacket.ErrorResponse(id, outcome.Error!));
        });

    /// <summary>
    /// Passes <paramref name="action"/> through the middleware of <paramref name="type"/> and continues with its outcome
    /// (a blocked outcome carries the error for the client). The socket's stream for the type is opened on first use.
    /// Without a handler, with a filter that passes the action by, or a handler that consumes nothing, the action is
    /// allowed at once.
    /// </summary>
    private void RunMiddleware(MiddlewareType type, ref EventStream<AGAction>? stream, AGAction action, Action<ActionOutcome> then)
    {
        var info = new ActionInfo(action.Type, action.Channel ?? action.Procedure ?? action.Receiver, action.Request);
        if (!_server.Middleware.Wants(type, info))
        {
            then(ActionOutcome.Unchanged);
            return;
        }
        stream ??= _server.Middleware.Open(type);
        if (stream is null)
        {
            then(ActionOutcome.Unchanged);
            return;
        }
        Await(new ValueTask<ActionOutcome>(_server.Middleware.Decide(type, stream, action)), (outcome, _) => then(Settled(type, action, outcome!)));
    }

    /// <summary>A blocked outcome gets the client's error, and the failure is emitted when MiddlewareEmitFailures says so.</summary>
    private ActionOutcome Settled(MiddlewareType type, AGAction action, ActionOutcome outcome)
    {
        if (outcome.IsAllowed) return outcome;
        _server.Metrics.MiddlewareBlocked(type);
        var clientError = MiddlewareRegistry.ClientError(type, action.Type, outcome.Error, out var emitted);
        if (_options.MiddlewareEmitFailures) EmitError(emitted);
        return outcome with { Error = clientError };
    }

    private void NextOutbound()
    {
        _outboundBusy = false;
        while (_outboundQueue.TryDequeue(out var deliver))
        {
            if (_socket.State == SocketState.Closed) continue;
            var stream = _server.Middleware.Wants(MiddlewareType.Outbound, new ActionInfo(ActionType.PublishOut, deliver.Channel, _socket.Request))
                ? _outboundStream ??= _server.Middleware.Open(MiddlewareType.Outbound)
                : null;
            if (stream is null or { HasConsumers: false, HadConsumer: false })
            {
                _socket.SendFrame(deliver.Frame);
                continue;
            }
            var action = new AGAction(ActionType.PublishOut, _socket.Request, _socket)
            {
                Channel = deliver.Channel,
                Data = _server.Exchange.ReadPublishedData(deliver.Frame),
            };
            var decided = _server.Middleware.Decide(MiddlewareType.Outbound, stream, action);
            if (decided.IsCompleted)
            {
                OnOutboundSettled(new OutboundSettled(action, deliver.Frame, decided.Result), next: false);
                continue;
            }
            _outboundBusy = true;
            decided.PipeTo(Self, success: outcome => new OutboundSettled(action, deliver.Frame, outcome));
            return;
        }
    }

    private void OnOutboundSettled(OutboundSettled settled, bool next = true)
    {
        var outcome = Settled(MiddlewareType.Outbound, settled.Action, settled.Outcome);
        if (!outcome.IsAllowed) _server.Metrics.DeliveryFiltered();
        if (outcome.IsAllowed && _socket.State != SocketState.Closed)
        {
            // The shared frame unless the data was replaced.
            var frame = outcome.Replaced
                ? _server.Codec.Encode(OutboundPacket.Publish(settled.Action.Channel!, outcome.Data))
                : settled.Frame;
            _socket.SendFrame(frame);
        }
        if (next) NextOutbound();
    }
}
