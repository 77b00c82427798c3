using AGServer.Diagnostics;
using Akka.Actor;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>The socket's channels: #subscribe, #unsubscribe, #publish, kick-outs, and leaving every channel on close.</summary>
internal sealed partial class SocketActor
{
    /// <summary>What the client sent along with <c>#subscribe</c> besides the channel name.</summary>
    private sealed record SubscriptionOptions(RawJson Data, bool WaitForAuth);

    internal sealed record KickOut(string? Channel, object? Message, TaskCompletionSource Done);

    private readonly HashSet<string> _channels = new();
    private (string Channel, long? Cid, SubscriptionOptions Options)? _pendingSubscribe;
    private (string Channel, long? Cid)? _pendingUnsubscribe;

    private bool ReceivePubSub(object message)
    {
        switch (message)
        {
            case PublishAccepted accepted:
                _server.Metrics.Published("accepted");
                _socket.SendPacket(OutboundPacket.Response(accepted.Correlation, null));
                return true;
            case PublishFailed failed:
                _server.Metrics.Published("failed");
                Refuse(failed.Correlation, new BrokerError(failed.Reason));
                return true;
            case NodeBroker.Subscribed subscribed:
                OnSubscribed(subscribed);
                return true;
            case NodeBroker.Unsubscribed unsubscribed:
                OnUnsubscribed(unsubscribed);
                return true;
            case KickOut kickOut:
                OnKickOut(kickOut);
                return true;
            case SubscribeTimedOut timedOut:
                OnSubscribeTimedOut(timedOut);
                return true;
            default:
                return false;
        }
    }

    private void ProcessSubscribe(in InboundPacket packet)
    {
        var data = packet.Data;
        if (!data.TryGetProperty("channel"u8, out var channelJson) || channelJson.AsString() is not { Length: > 0 } channel)
        {
            RefuseSubscribe(packet.Cid, new InvalidActionError("Subscribe channel name was malformatted"));
            return;
        }
        if (!Admit("subscribe", channel, packet.Cid))
        {
            var again = packet;
            Defer(() => ProcessSubscribe(again));
            return;
        }
        data.TryGetProperty("data"u8, out var subscriptionData);
        var waitForAuth = data.TryGetProperty("waitForAuth"u8, out var wait) && wait.ToString() == "true";
        var cid = packet.Cid;
        var action = new AGAction(ActionType.Subscribe, _socket.Request, _socket)
        {
            Channel = channel,
            Data = subscriptionData,
            AuthTokenExpiredError = _packetExpiredError,
        };
        RunInboundMiddleware(action, cid, outcome =>
        {
            Subscribe(channel, cid, new SubscriptionOptions(outcome.Replaced ? RawJson.From(outcome.Data, _options.JsonSerializerOptions) : subscriptionData, waitForAuth));
        });
    }

    private void Subscribe(string channel, long? cid, SubscriptionOptions options)
    {
        if (_socket.State != SocketState.Open)
        {
            RefuseSubscribe(cid, new InvalidActionError("Cannot subscribe socket to a channel before it has completed the handshake"));
            return;
        }
        if (MalformedPosition(channel, options.Data) is { } malformed)
        {
            RefuseSubscribe(cid, malformed);
            return;
        }
        var limit = _options.SocketChannelLimit;
        if (limit > 0 && _channels.Count >= limit)
        {
            RefuseSubscribe(cid, new BrokerError(
                $"Failed to subscribe socket to the {channel} channel - InvalidActionError: Socket {_socket.Id} tried to exceed the channel subscription limit of {limit}"));
            return;
        }
        _channels.Add(channel);
        PublishSubscriptions();
        _pendingSubscribe = (channel, cid, options);
        Suspend();
        BeginRecovery(channel, options.Data);
        _server.Exchange.Broker.Tell(new NodeBroker.Subscribe(channel, _socket, Self));
        Timers.StartSingleTimer(SubscribeTimerKey, new SubscribeTimedOut(channel), TimeSpan.FromMilliseconds(_options.SubscribeTimeoutMs));
    }

    private const string SubscribeTimerKey = "subscribe";

    private sealed record SubscribeTimedOut(string Channel);

    /// <summary>The cluster did not confirm the subscribe in time: it fails with an error and the socket goes on.</summary>
    private void OnSubscribeTimedOut(SubscribeTimedOut timedOut)
    {
        if (_pendingSubscribe is not { } pending || pending.Channel != timedOut.Channel) return;
        _pendingSubscribe = null;
        _channels.Remove(pending.Channel);
        PublishSubscriptions();
        CancelRecovery(pending.Channel);
        _server.Exchange.Broker.Tell(new NodeBroker.Unsubscribe(pending.Channel, _socket, null));
        ServerLog.SubscribeTimedOut(_server.Logger, _socket.Id, pending.Channel, _options.SubscribeTimeoutMs);
        _server.Metrics.Subscribed("timed_out");
        Refuse(pending.Cid, new BrokerError(
            $"Failed to subscribe socket to the {pending.Channel} channel - the cluster did not confirm it within {_options.SubscribeTimeoutMs} ms"));
        Resume();
    }

    private void OnSubscribed(NodeBroker.Subscribed subscribed)
    {
        if (_pendingSubscribe is not { } pending || pending.Channel != subscribed.Channel) return;
        Timers.Cancel(SubscribeTimerKey);
        _pendingSubscribe = null;
        if (_socket.State == SocketState.Open)
        {
            _server.Metrics.Subscribed("accepted");
            EmitBoth(SocketEvents.Subscribe, ServerEvents.Subscription, new SubscriptionEvent(_socket, pending.Channel, pending.Options.Data, pending.Options.WaitForAuth));
            if (pending.Cid is { } cid) _socket.SendPacket(OutboundPacket.Response(cid, null));
            RequestRecovery(pending.Channel);
        }
        else CancelRecovery(pending.Channel);
        Resume();
    }

    private void ProcessUnsubscribe(in InboundPacket packet)
    {
        if (packet.Data.AsString() is not { } channel)
        {
            Refuse(packet.Cid, new InvalidActionError("Unsubscribe channel name was malformatted"));
            return;
        }
        if (!_channels.Contains(channel))
        {
            Refuse(packet.Cid, NotSubscribedError(channel));
            return;
        }
        LeaveChannel(channel, replyTo: Self);
        _pendingUnsubscribe = (channel, packet.Cid);
        Suspend();
    }

    private void OnUnsubscribed(NodeBroker.Unsubscribed unsubscribed)
    {
        if (_pendingUnsubscribe is not { } pending || pending.Channel != unsubscribed.Channel) return;
        _pendingUnsubscribe = null;
        if (pending.Cid is { } cid && _socket.State == SocketState.Open) _socket.SendPacket(OutboundPacket.Response(cid, null));
        Resume();
    }

    private void ProcessPublish(in InboundPacket packet)
    {
        if (!_options.AllowClientPublish)
        {
            Refuse(packet.Cid, new InvalidActionError("Client publish feature is disabled"));
            return;
        }
        var data = packet.Data;
        if (!data.TryGetProperty("channel"u8, out var channelJson) || channelJson.AsString() is not { Length: > 0 } channel)
        {
            Refuse(packet.Cid, new InvalidActionError("Publish channel name was malformatted"));
            return;
        }
        if (!Admit("publish", channel, packet.Cid))
        {
            var again = packet;
            Defer(() => ProcessPublish(again));
            return;
        }
        AdmitFanOut(packet, channel);
    }

    /// <summary>
    /// The publish's deliveries on this node count against the socket's fan-out limit, and while the node's outboxes
    /// hold <see cref="Server.AGServerOptions.NodeOutboundLimit"/> the socket waits (processing nothing) before it
    /// publishes; then it goes on.
    /// </summary>
    private void AdmitFanOut(in InboundPacket packet, string channel)
    {
        if (_server.OutboundBudget.WhenRoom() is { } room)
        {
            var waiting = packet;
            var self = Self;
            Suspend();
            room.ContinueWith(_ => self.Tell(new Continue(() => UnlessClosed(() => AdmitFanOut(waiting, channel)))), TaskScheduler.Default);
            return;
        }
        if (!Admit("fanout", channel, packet.Cid, permits: _server.LocalFanOut.Of(channel)))
        {
            var again = packet;
            Defer(() => AdmitFanOut(again, channel));
            return;
        }
        var data = packet.Data;
        data.TryGetProperty("data"u8, out var message);
        var cid = packet.Cid;
        var action = new AGAction(ActionType.PublishIn, _socket.Request, _socket)
        {
            Channel = channel,
            Data = message,
            AuthTokenExpiredError = _packetExpiredError,
        };
        RunInboundMiddleware(action, cid, outcome =>
        {
            var frame = _server.Codec.Encode(OutboundPacket.Publish(channel, outcome.Replaced ? outcome.Data : message));
            // A transmitPublish is accepted once handed on; an invokePublish when the broker answers.
            if (cid is null) _server.Metrics.Published("accepted");
            var reserved = (long)frame.Length * Math.Max(1, _server.LocalFanOut.Of(channel));
            _server.OutboundBudget.Add(reserved);
            _server.Exchange.Broker.Tell(new Publish(channel, frame, cid is null ? null : Self, cid ?? 0, reserved));
        });
    }

    private void OnKickOut(KickOut kickOut)
    {
        var channels = kickOut.Channel is { } one ? [one] : _channels.ToArray();
        foreach (var channel in channels)
        {
            if (!_channels.Contains(channel))
            {
                EmitError(NotSubscribedError(channel));
                continue;
            }
            _socket.SendPacket(OutboundPacket.Transmit("#kickOut", new KickOutData(channel, kickOut.Message)));
            LeaveChannel(channel, replyTo: null);
        }
        kickOut.Done.TrySetResult();
    }

    /// <summary>Removes the socket from a channel and emits its unsubscribe events.</summary>
    private void LeaveChannel(string channel, IActorRef? replyTo)
    {
        _channels.Remove(channel);
        CancelRecovery(channel);
        PublishSubscriptions();
        _server.Exchange.Broker.Tell(new NodeBroker.Unsubscribe(channel, _socket, replyTo));
        EmitBoth(SocketEvents.Unsubscribe, ServerEvents.Unsubscription, new SubscriptionEvent(_socket, channel));
    }

    /// <summary>On close, after the disconnect and close events: leave every channel.</summary>
    partial void OnDestroyed()
    {
        foreach (var channel in _channels.ToArray()) LeaveChannel(channel, replyTo: null);
    }

    private BrokerError NotSubscribedError(string channel) => new(
        $"Failed to unsubscribe socket from the {channel} channel - InvalidActionError: Socket {_socket.Id} tried to unsubscribe from a channel which it is not subscribed to");

    /// <summary>Emits the error on the socket and answers the request with it when there is one.</summary>
    private void RefuseSubscribe(long? cid, AGError error)
    {
        _server.Metrics.Subscribed("refused");
        Refuse(cid, error);
    }

    private void Refuse(long? cid, AGError error)
    {
        EmitError(error);
        if (cid is { } id) _socket.SendPacket(OutboundPacket.ErrorResponse(id, error));
    }

    private void PublishSubscriptions() => _socket.SubscriptionSnapshot = _channels.ToArray();

    private sealed record KickOutData(string Channel, object? Message) : IProtocolPayload;
}
