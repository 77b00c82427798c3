using Akka.Actor;
using Akka.Cluster;
using AGServer.Channels.Internal;
using AGServer.Protocol;
using AGServer.Server.Internal;
using Microsoft.Extensions.Logging;

namespace AGServer.Channels;

/// <summary>
/// The node's one broker: knows its local subscribers (sockets, exchange subscriptions) per channel. Registers the
/// node with the channel entity on a channel's first local subscriber and unregisters on the last; acknowledges a
/// subscribe only once the entity confirmed the registration, so a publish made after that ack is delivered.
/// Fans each delivered publish out to local subscribers by handing every one the same frame bytes: no actor
/// message per subscriber.
/// It heals itself: a failure of code it runs (a codec, a subscriber's delivery) costs that message or that subscriber's
/// copy and never its state; when a node becomes reachable again it re-registers all its channels (an entity that
/// recovered while this node was unreachable did not hear from it); a registration that is not confirmed is retried.
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

    private sealed record RetryRegistrations
    {
        public static readonly RetryRegistrations Instance = new();
    }

    private static readonly TimeSpan RegistrationRetryInterval = TimeSpan.FromSeconds(2);

    private readonly IActorRef _region;
    private readonly ILogger _logger;
    private readonly LocalSubscriptions _local = new();
    private readonly Dictionary<string, long> _registered = new();
    private readonly Dictionary<string, (long Sequence, List<IActorRef> Waiting, long SentAt)> _registering = new();
    private long _sequence;
    private ICancelable? _retryTimer;
    private readonly Server.AGServerMetrics? _metrics;

    public NodeBroker(IActorRef region, Func<ISocketCodec> codec, ILogger logger, Server.AGServerMetrics? metrics = null)
    {
        _region = region;
        _logger = logger;
        _metrics = metrics;
        Receive<ClusterEvent.ReachableMember>(reachable =>
        {
            ServerLog.MemberReachable(_logger, reachable.Member.Address.ToString());
            RegisterAll();
        });
        Receive<ClusterEvent.UnreachableMember>(unreachable => ServerLog.MemberUnreachable(_logger, unreachable.Member.Address.ToString()));
        Receive<ClusterEvent.MemberStatusChange>(change => ServerLog.MemberChanged(_logger, change.Member.Address.ToString(), change.Member.Status.ToString()));
        Receive<ClusterEvent.MemberRemoved>(removed => ServerLog.MemberChanged(_logger, removed.Member.Address.ToString(), "removed"));
        Receive<RetryRegistrations>(_ => OnRetryRegistrations());
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
            registering = (++_sequence, new List<IActorRef>(), Environment.TickCount64);
            _registering[channel] = registering;
            _region.Tell(new RegisterNode(channel, Self, registering.Sequence));
            _retryTimer ??= Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(
                RegistrationRetryInterval, RegistrationRetryInterval, Self, RetryRegistrations.Instance, Self);
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
        _metrics?.Delivered(subscribers.Length);
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber.Deliver(deliver.Channel, deliver.Frame);
            }
            catch (Exception error)
            {
                // One subscriber's failure (its middleware filter, say) costs its own copy, not the others'.
                ServerLog.BrokerFailed(_logger, $"a delivery on {deliver.Channel}", error);
            }
        }
    }

    private bool InCluster => Context.System is Akka.Actor.Internal.ActorSystemImpl { Provider: IClusterActorRefProvider };

    protected override void PreStart()
    {
        if (InCluster) Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.ReachableMember), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberStatusChange), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        _retryTimer?.Cancel();
        if (InCluster) Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>Keeps the broker's state through any failure: the message that failed is lost, nothing else.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception error)
        {
            ServerLog.BrokerFailed(_logger, message.GetType().Name, error);
            return true;
        }
    }

    /// <summary>A node became reachable again: make sure every entity of our channels knows this node.</summary>
    private void RegisterAll()
    {
        foreach (var channel in _local.Channels)
            if (_registered.TryGetValue(channel, out var sequence))
                _region.Tell(new RegisterNode(channel, Self, sequence));
    }

    /// <summary>Registrations not confirmed for a while (the entity's message was lost in a crash or move) are sent again.</summary>
    private void OnRetryRegistrations()
    {
        if (_registering.Count == 0)
        {
            _retryTimer?.Cancel();
            _retryTimer = null;
            return;
        }
        var now = Environment.TickCount64;
        foreach (var (channel, registering) in _registering)
        {
            if (now - registering.SentAt < RegistrationRetryInterval.TotalMilliseconds) continue;
            ServerLog.RegistrationRetry(_logger, channel);
            _region.Tell(new RegisterNode(channel, Self, registering.Sequence));
        }
    }
}
