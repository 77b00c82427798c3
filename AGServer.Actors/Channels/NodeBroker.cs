using Akka.Actor;
using AGServer.Channels.Internal;
using AGServer.Protocol;

namespace AGServer.Channels;

/// <summary>
/// The node's one broker: knows its local subscribers (sockets, exchange subscriptions) per channel. Registers the
/// node with the channel entity on a channel's first local subscriber and unregisters on the last; acknowledges a
/// subscribe only once the entity confirmed the registration, so a publish made after that ack is delivered.
/// Fans each delivered publish out to local subscribers by handing every one the same frame bytes: no actor
/// message per subscriber.
/// </summary>
internal sealed class NodeBroker : ReceiveActor
{
    public const string Name = "agserver-broker";

    /// <summary>Adds a local subscriber; answered with <see cref="Subscribed"/> once deliveries are guaranteed.</summary>
    public sealed record Subscribe(string Channel, IChannelSubscriber Subscriber, IActorRef? ReplyTo);

    public sealed record Subscribed(string Channel);

    /// <summary>Removes a local subscriber; answered with <see cref="Unsubscribed"/>: nothing is delivered to it after.</summary>
    public sealed record Unsubscribe(string Channel, IChannelSubscriber Subscriber, IActorRef? ReplyTo);

    public sealed record Unsubscribed(string Channel);

    private readonly IActorRef _region;
    private readonly LocalSubscriptions _local = new();
    private readonly Dictionary<string, long> _registered = new();
    private readonly Dictionary<string, (long Sequence, List<IActorRef> Waiting)> _registering = new();
    private long _sequence;

    public NodeBroker(IActorRef region, Func<ISocketCodec> codec)
    {
        _region = region;
        Receive<ExchangeCommands.Publish>(publish =>
            _region.Tell(new Publish(publish.Channel, codec().Encode(OutboundPacket.Publish(publish.Channel, publish.Data)), null, 0)));
        Receive<Subscribe>(OnSubscribe);
        Receive<Unsubscribe>(OnUnsubscribe);
        Receive<NodeRegistered>(OnRegistered);
        Receive<Deliver>(OnDeliver);
        Receive<WhoSubscribes>(who => who.Entity.Tell(new SubscriptionReport(who.Channel, Self, _local.Has(who.Channel))));
    }

    private void OnSubscribe(Subscribe subscribe)
    {
        var channel = subscribe.Channel;
        _local.Add(channel, subscribe.Subscriber);
        if (_registered.ContainsKey(channel))
        {
            subscribe.ReplyTo?.Tell(new Subscribed(channel));
            return;
        }
        if (!_registering.TryGetValue(channel, out var registering))
        {
            registering = (++_sequence, new List<IActorRef>());
            _registering[channel] = registering;
            _region.Tell(new RegisterNode(channel, Self, registering.Sequence));
        }
        if (subscribe.ReplyTo is not null) registering.Waiting.Add(subscribe.ReplyTo);
    }

    private void OnRegistered(NodeRegistered registered)
    {
        // Only the answer to the latest registration counts: an older one may predate an unregister.
        if (!_registering.TryGetValue(registered.Channel, out var registering) || registering.Sequence != registered.Sequence) return;
        _registering.Remove(registered.Channel);
        _registered[registered.Channel] = registered.Sequence;
        foreach (var waiting in registering.Waiting) waiting.Tell(new Subscribed(registered.Channel));
    }

    private void OnUnsubscribe(Unsubscribe unsubscribe)
    {
        var channel = unsubscribe.Channel;
        if (_local.Remove(channel, unsubscribe.Subscriber))
        {
            _registered.Remove(channel);
            if (_registering.Remove(channel, out var registering))
                foreach (var waiting in registering.Waiting) waiting.Tell(new Subscribed(channel));
            _region.Tell(new UnregisterNode(channel, Self));
        }
        unsubscribe.ReplyTo?.Tell(new Unsubscribed(channel));
    }

    private void OnDeliver(Deliver deliver)
    {
        var subscribers = _local.Of(deliver.Channel);
        if (subscribers.Length == 0)
        {
            // A registration the entity recovered after this node's last subscriber left: drop it.
            if (!_registering.ContainsKey(deliver.Channel)) _region.Tell(new UnregisterNode(deliver.Channel, Self));
            return;
        }
        foreach (var subscriber in subscribers) subscriber.Deliver(deliver.Channel, deliver.Frame);
    }
}
