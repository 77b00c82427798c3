using AGServer.Diagnostics;
using Akka.Actor;
using AGServer.Protocol;
using AGServer.Streams.Internal;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Delivery of invokes and transmits to application streams. Bounded by the socket's one inbound window: an item that
/// no consumer took yet holds its charge of it (<see cref="AGServerSocket.ChargeInboundItem"/>), so a slow consumer
/// stops the reading of the sockets that call it, and of no other. Packets that arrive before anything consumes their
/// procedure or receiver (an application setting up per-socket procedures in its connection listener does so on
/// another thread, after the socket is open) are held in order until a consumer attaches, for at most
/// <see cref="Server.AGServerOptions.UnclaimedPacketHold"/> ms and <see cref="Server.AGServerOptions.UnclaimedPacketLimit"/>
/// packets, then dropped as socketcluster-server drops them.
/// </summary>
internal sealed partial class SocketActor
{
    /// <summary>A consumer attached to a procedure or receiver stream of this socket or of the server.</summary>
    internal sealed record ConsumersChanged
    {
        public static readonly ConsumersChanged Instance = new();
    }

    private sealed record ExpireUnclaimed
    {
        public static readonly ExpireUnclaimed Instance = new();
    }

    private const string UnclaimedTimerKey = "unclaimed";

    /// <summary>A charge filled the inbound window: processing waits for <see cref="TransportMessages.InboundReopened"/>.</summary>
    private bool _waitingForWindow;

    /// <summary>Charges an item to the inbound window; a full window suspends processing until it reopens.</summary>
    private int Charge(RawJson data)
    {
        var charge = _socket.ChargeInboundItem(data.Utf8.Length, out var full);
        if (full && !_waitingForWindow)
        {
            _waitingForWindow = true;
            Suspend();
        }
        return charge;
    }

    /// <summary>When the handshake completed (<see cref="Environment.TickCount64"/>): the start of the handler setup time.</summary>
    private long _openedAt;

    private UnclaimedPackets? _unclaimed;

    private bool ReceiveUnclaimed(object message)
    {
        switch (message)
        {
            case ConsumersChanged:
                ReleaseUnclaimed();
                return true;
            case ExpireUnclaimed:
                OnExpireUnclaimed();
                return true;
            case TransportMessages.InboundReopened:
                if (_waitingForWindow)
                {
                    _waitingForWindow = false;
                    Resume();
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>Tells this actor whenever a consumer attaches to one of the socket's procedure or receiver streams.</summary>
    private void WatchConsumers()
    {
        var self = Self;
        var server = _server;
        Action<string> changed = _ => self.Tell(ConsumersChanged.Instance);
        _socket.Procedures.ConsumerAttached = name =>
        {
            server.ProceduresServedPerSocket.TryAdd(name, true);
            self.Tell(ConsumersChanged.Instance);
        };
        _socket.Receivers.ConsumerAttached = changed;
    }

    /// <summary>
    /// Hands the packet on, or holds it when nothing consumes its name yet (or earlier packets for it are held).
    /// </summary>
    private void Deliver(string name, long? cid, RawJson data)
    {
        if (_unclaimed is { Count: > 0 })
        {
            ReleaseUnclaimed();
            if (_unclaimed.Holds(name, cid is not null))
            {
                HoldOrAnswer(name, cid, data);
                return;
            }
        }
        if (TryHand(name, cid, data)) return;
        if (cid is { } id && _server.Procedures.LostConsumerToFailure(name))
        {
            // Its consumers died by failing (run outside the server's materializer): say so rather than time out.
            ServerLog.NoLiveConsumer(_server.Logger, name, id, _socket.Id);
            _socket.SendPacket(OutboundPacket.ErrorResponse(id, ClientErrors.Unserved(name)));
            return;
        }
        HoldOrAnswer(name, cid, data);
    }

    /// <summary>
    /// Holds a packet nothing consumes yet until a consumer attaches, for at most the hold; an invoke of a procedure
    /// nothing on this node serves only while the socket is within its handler setup time, then it is answered.
    /// </summary>
    private void HoldOrAnswer(string name, long? cid, RawJson data)
    {
        var now = Environment.TickCount64;
        var deadline = now + _options.UnclaimedPacketHoldMs;
        if (cid is { } invoke && !_server.KnowsProcedure(name))
        {
            // Nothing here serves it: wait only while the socket is young enough for a per-socket setup to come.
            var setupEnds = _openedAt + _options.HandlerSetupTime;
            if (setupEnds <= now || _options.UnclaimedPacketHoldMs == 0 || _options.UnclaimedPacketLimit == 0)
            {
                AnswerUnknown(name, invoke);
                return;
            }
            deadline = Math.Min(deadline, setupEnds);
        }
        Hold(name, cid, data, deadline);
    }

    private void AnswerUnknown(string name, long cid)
    {
        ServerLog.UnknownProcedure(_server.Logger, name, _socket.Id);
        _socket.SendPacket(OutboundPacket.ErrorResponse(cid, ClientErrors.UnknownProcedure(name)));
        // A client chooses these names: they are folded into one, so the metric's tags stay bounded.
        _server.Metrics.RpcFailed();
        if (_server.Metrics.RecordsRpcServer) _server.Metrics.RpcServer("(unknown)", TimeSpan.Zero, "UnknownProcedureError");
    }

    private void Hold(string name, long? cid, RawJson data, long deadline)
    {
        if (_options.UnclaimedPacketHoldMs == 0 || _options.UnclaimedPacketLimit == 0) return;
        _unclaimed ??= new UnclaimedPackets(_options.UnclaimedPacketLimit, _options.InboundWindow);
        if (_unclaimed.Add(new UnclaimedPackets.Held(name, cid, data, deadline)) is { } dropped)
            ServerLog.UnclaimedPacketsOverflow(_server.Logger, _socket.Id, _options.UnclaimedPacketLimit, dropped.Name);
        ArmUnclaimedTimer();
    }

    private void ArmUnclaimedTimer()
    {
        if (_unclaimed?.NextDeadline is { } next)
            Timers.StartSingleTimer(UnclaimedTimerKey, ExpireUnclaimed.Instance, TimeSpan.FromMilliseconds(Math.Max(1, next - Environment.TickCount64)));
    }

    private void ReleaseUnclaimed()
    {
        if (_unclaimed is not { Count: > 0 } || _socket.State == SocketState.Closed) return;
        _unclaimed.Release(_tryHandHeld ??= held => TryHand(held.Name, held.Cid, held.Data));
        if (_unclaimed.Count == 0) Timers.Cancel(UnclaimedTimerKey);
    }

    private Func<UnclaimedPackets.Held, bool>? _tryHandHeld;

    private void OnExpireUnclaimed()
    {
        if (_unclaimed is null) return;
        var expired = _unclaimed.Expire(Environment.TickCount64);
        foreach (var held in expired)
            if (held.Cid is { } cid && !_server.KnowsProcedure(held.Name) && _socket.State == SocketState.Open) AnswerUnknown(held.Name, cid);
        foreach (var group in expired.Where(h => h.Cid is null || _server.KnowsProcedure(h.Name)).GroupBy(h => h.Name))
            ServerLog.UnclaimedPacketsDropped(_server.Logger, _socket.Id, group.Count(), group.Key, _options.UnclaimedPacketHoldMs);
        ArmUnclaimedTimer();
    }

    /// <summary>
    /// Hands an invoke to its procedure streams, or a transmit to its receiver streams (socket and server-wide), when
    /// one of them has a consumer; false (and nothing made) when none has.
    /// </summary>
    private bool TryHand(string name, long? cid, RawJson data)
    {
        if (cid is { } id)
        {
            var own = _socket.Procedures.Live<AGRequest>(name);
            var shared = _server.Procedures.Live<AGRequest>(name);
            if (own is null && shared is null) return false;
            // Charged before it is emitted, so a consumer taking it at once cannot release what was not charged.
            var request = new AGRequest(_socket, id, name, data) { InboundCharge = Charge(data) };
            return Reached((own?.Emit(request) ?? false) | (shared?.Emit(request) ?? false), request);
        }
        var ownReceiver = _socket.Receivers.Live<ReceivedMessage>(name);
        var sharedReceiver = _server.Receivers.Live<ReceivedMessage>(name);
        if (ownReceiver is null && sharedReceiver is null) return false;
        var message = new ReceivedMessage(_socket, name, data) { InboundCharge = Charge(data) };
        return Reached((ownReceiver?.Emit(message) ?? false) | (sharedReceiver?.Emit(message) ?? false), message);
    }

    /// <summary>
    /// Whether an item reached a consumer. When the consumers left between the look and the emit, its credit is given
    /// back and the packet is treated as unclaimed (held, or answered) rather than lost.
    /// </summary>
    private static bool Reached(bool reached, IInboundItem item)
    {
        if (!reached) item.Taken();
        return reached;
    }
}
