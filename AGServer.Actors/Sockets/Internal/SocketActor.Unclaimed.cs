using Akka.Actor;
using AGServer.Protocol;
using AGServer.Server.Internal;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Invokes and transmits that arrive before anything consumes their procedure or receiver. An application that sets up
/// per-socket procedures in its connection listener does so on another thread, after the socket is open; the
/// client's first packets may come sooner. They are held in order until a consumer attaches (to this socket's stream
/// or the server-wide one), for at most <see cref="Server.AGServerOptions.UnclaimedPacketHold"/> ms and
/// <see cref="Server.AGServerOptions.UnclaimedPacketLimit"/> packets, then dropped as socketcluster-server drops them.
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
            default:
                return false;
        }
    }

    /// <summary>Tells this actor whenever a consumer attaches to one of the socket's procedure or receiver streams.</summary>
    private void WatchConsumers()
    {
        var self = Self;
        Action<string> changed = _ => self.Tell(ConsumersChanged.Instance);
        _socket.Procedures.ConsumerAttached = changed;
        _socket.Receivers.ConsumerAttached = changed;
    }

    private bool IsClaimed(string name, bool invoke) => invoke
        ? _socket.Procedures.HasConsumers(name) || _server.Procedures.HasConsumers(name)
        : _socket.Receivers.HasConsumers(name) || _server.Receivers.HasConsumers(name);

    /// <summary>
    /// Hands the packet on, or holds it when nothing consumes its name yet (or earlier packets for it are held).
    /// </summary>
    private void Deliver(string name, long? cid, RawJson data)
    {
        if (_unclaimed is { Count: > 0 }) ReleaseUnclaimed();
        var invoke = cid is not null;
        if (IsClaimed(name, invoke) && !(_unclaimed is { Count: > 0 } && _unclaimed.Holds(name)))
        {
            Hand(name, cid, data);
            return;
        }
        if (invoke && _server.Procedures.LostConsumerToFailure(name))
        {
            // Its consumers died by failing (run outside the server's materializer): say so rather than time out.
            ServerLog.NoLiveConsumer(_server.Logger, name, cid!.Value, _socket.Id);
            _socket.SendPacket(OutboundPacket.ErrorResponse(cid.Value, ClientErrors.Safe(new InvalidOperationException($"Procedure {name} has no live consumer"), _options.ExposeExceptionMessages)));
            return;
        }
        var hold = _options.UnclaimedPacketHoldMs;
        if (hold == 0 || _options.UnclaimedPacketLimit == 0) return;
        _unclaimed ??= new UnclaimedPackets(_options.UnclaimedPacketLimit);
        var first = _unclaimed.Count == 0;
        if (_unclaimed.Add(new UnclaimedPackets.Held(name, cid, data, Environment.TickCount64 + hold)) is { } dropped)
            ServerLog.UnclaimedPacketsOverflow(_server.Logger, _socket.Id, _options.UnclaimedPacketLimit, dropped.Name);
        if (first) Timers.StartSingleTimer(UnclaimedTimerKey, ExpireUnclaimed.Instance, TimeSpan.FromMilliseconds(hold));
    }

    private void ReleaseUnclaimed()
    {
        if (_unclaimed is not { Count: > 0 } || _socket.State == SocketState.Closed) return;
        foreach (var held in _unclaimed.Release(name => IsClaimed(name, true) || IsClaimed(name, false)))
        {
            // A name may be both a procedure and a receiver; the packet goes where its kind is consumed, or waits.
            if (IsClaimed(held.Name, held.Cid is not null)) Hand(held.Name, held.Cid, held.Data);
            else _unclaimed.Add(held);
        }
        if (_unclaimed.Count == 0) Timers.Cancel(UnclaimedTimerKey);
    }

    private void OnExpireUnclaimed()
    {
        if (_unclaimed is null) return;
        foreach (var (name, count) in _unclaimed.Expire(Environment.TickCount64))
            ServerLog.UnclaimedPacketsDropped(_server.Logger, _socket.Id, count, name, _options.UnclaimedPacketHoldMs);
        if (_unclaimed.NextDeadline is { } next)
            Timers.StartSingleTimer(UnclaimedTimerKey, ExpireUnclaimed.Instance, TimeSpan.FromMilliseconds(Math.Max(1, next - Environment.TickCount64)));
    }

    /// <summary>Hands an invoke to its procedure streams, or a transmit to its receiver streams (socket and server-wide).</summary>
    private void Hand(string name, long? cid, RawJson data)
    {
        if (cid is { } id)
        {
            var request = new AGRequest(_socket, id, name, data);
            _socket.Procedures.Emit(name, request);
            _server.Procedures.Emit(name, request);
        }
        else
        {
            var message = new ReceivedMessage(_socket, name, data);
            _socket.Receivers.Emit(name, message);
            _server.Receivers.Emit(name, message);
        }
    }
}
