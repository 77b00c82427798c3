using AGServer.Diagnostics;
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using AGServer.Channels.Internal;
using AGServer.Protocol;
using AGServer.Server;
using Microsoft.Extensions.Logging;

namespace AGServer.Channels;

/// <summary>
/// The node's one broker. Subscribing side: knows its local subscribers (sockets, exchange subscriptions) per
/// channel, registers the node with the channel entity on a channel's first local subscriber and unregisters on the
/// last; acknowledges a subscribe only once the entity confirmed the registration (every publishing broker has the
/// new route by then), so a publish made after that ack is delivered. Publishing side: delivers a publish to local
/// subscribers at once, then sends it straight to the other subscribed nodes' brokers, as listed by the routes the
/// entity keeps current (<see cref="PublishRoutes"/>); the entity is not on the publish path, so a crash of its node
/// costs the survivors nothing. Every local subscriber gets the same frame bytes: no actor message per subscriber.
/// It heals itself: a failure of code it runs (a codec, a subscriber's delivery) costs that message or that subscriber's
/// copy and never its state; when a node becomes reachable again it re-registers all its channels and asks for its
/// routes again; registrations and route requests that are not answered are retried.
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

    /// <summary>Once a second: retries, routes gone idle, the refused-publish count.</summary>
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly long RetryAfterMs = 2000;

    private readonly IActorRef _region;
    private readonly Func<ISocketCodec> _codec;
    private readonly ILogger _logger;
    private readonly ChannelSettings _settings;
    private readonly LocalSubscriptions _local = new();
    private readonly PublishRoutes _routes;
    private readonly Dictionary<string, long> _registered = new();
    private readonly Dictionary<string, (long Sequence, List<IActorRef> Waiting, long SentAt)> _registering = new();
    private readonly HashSet<string> _staleReported = new();
    private long _sequence;
    private int _refused;
    private ICancelable? _tick;
    private readonly Server.AGServerMetrics? _metrics;

    private readonly ChannelFeatureMap _features;

    private readonly LocalFanOut? _fanOut;

    private readonly Sockets.Internal.OutboundBudget? _outboundBudget;

    private readonly SequencingPublishes _sequencing;
    private readonly HistoryCopies _copies;
    private long _publishSequence;
    private long _nodeKey;

    public NodeBroker(IActorRef region, Func<ISocketCodec> codec, ILogger logger, Server.AGServerMetrics? metrics = null, ChannelSettings? settings = null,
        ChannelFeatureMap? features = null, LocalFanOut? fanOut = null, Sockets.Internal.OutboundBudget? outboundBudget = null)
    {
        _fanOut = fanOut;
        _outboundBudget = outboundBudget;
        _features = features ?? ChannelFeatureMap.Empty;
        _region = region;
        _codec = codec;
        _logger = logger;
        _metrics = metrics;
        _settings = settings ?? ChannelSettings.Default;
        _routes = new PublishRoutes(Self, _settings.HeldPublishesLimit);
        _sequencing = new SequencingPublishes(_settings.HeldPublishesLimit);
        _copies = new HistoryCopies(_features);
        Receive<ClusterEvent.ReachableMember>(reachable =>
        {
            ServerLog.MemberReachable(_logger, reachable.Member.Address.ToString());
            RegisterAll();
        });
        Receive<ClusterEvent.UnreachableMember>(unreachable => ServerLog.MemberUnreachable(_logger, unreachable.Member.Address.ToString()));
        Receive<ClusterEvent.MemberStatusChange>(change => ServerLog.MemberChanged(_logger, change.Member.Address.ToString(), change.Member.Status.ToString()));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            ServerLog.MemberChanged(_logger, removed.Member.Address.ToString(), "removed");
            _routes.RemoveNode(removed.Member.Address);
        });
        Receive<Tick>(_ => OnTick());
        Receive<Publish>(OnPublish);
        Receive<Routes>(OnRoutes);
        Receive<RoutesRevoked>(revoked => _routes.Revoke(revoked.Channel, Sender));
        Receive<Subscribe>(OnSubscribe);
        Receive<Unsubscribe>(OnUnsubscribe);
        Receive<NodeRegistered>(OnRegistered);
        Receive<Deliver>(OnDeliver);
        Receive<HistoryDeliver>(OnHistoryDeliver);
        Receive<HistoryReplicate>(snapshot =>
        {
            _copies.Replace(snapshot);
            Sender.Tell(new HistoryReplicated(snapshot.Channel, snapshot.Epoch, snapshot.Offset));
        });
        Receive<HistoryForget>(forget => _copies.Forget(forget.Channel, _local.Has(forget.Channel)));
        Receive<PublishAccepted>(OnSequenced);
        Receive<WhoSubscribes>(who =>
        {
            var features = _features.For(who.Channel);
            who.Entity.Tell(new SubscriptionReport(who.Channel, Self, _local.Has(who.Channel), _routes.Has(who.Channel),
                features.Presence ? PresenceMembers(who.Channel) : null,
                features.HasHistory ? _copies.TailOf(who.Channel, Environment.TickCount64) : null));
        });
    }

    private void OnSubscribe(Subscribe subscribe)
    {
        var channel = subscribe.Channel;
        _local.Add(channel, subscribe.Subscriber);
        _fanOut?.Set(channel, _local.CountOf(channel));
        if (subscribe.Subscriber.Presence is { } member && _features.For(channel).Presence)
            _region.Tell(new PresenceJoin(channel, Self, member.SocketId, member.UserId));
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
        if (unsubscribe.Subscriber.Presence is { } member && _features.For(channel).Presence)
            _region.Tell(new PresenceLeave(channel, Self, member.SocketId));
        var last = _local.Remove(channel, unsubscribe.Subscriber);
        _fanOut?.Set(channel, _local.CountOf(channel));
        if (last)
        {
            _registered.Remove(channel);
            _copies.Unsubscribed(channel);
            if (_registering.Remove(channel, out var registering))
                foreach (var waiting in registering.Waiting) waiting.Tell(new Subscribed(channel));
            _region.Tell(new UnregisterNode(channel, Self));
        }
        unsubscribe.ReplyTo?.Tell(new Unsubscribed(channel));
    }

    /// <summary>A publish from this node: local subscribers at once, then every other subscribed node, in order.</summary>
    private void OnPublish(Publish publish)
    {
        using var span = StartSpan("publish", ActivityKind.Producer, publish.Channel, publish.Trace);
        try
        {
            Route(publish, span);
        }
        finally
        {
            // The local deliveries are in the outboxes now (which count them), or went to the channel's entity.
            if (publish.Reserved > 0) _outboundBudget?.Release(publish.Reserved);
        }
    }

    private void Route(Publish publish, Activity? span)
    {
        if (!_features.IsEmpty && _features.For(publish.Channel).HasHistory)
        {
            Sequence(publish);
            return;
        }
        var local = DeliverLocally(publish.Channel, publish.Frame);
        span?.SetTag("agserver.subscribers", local);
        var entry = _routes.GetOrAdd(publish.Channel, Environment.TickCount64, out var created);
        if (created) _region.Tell(new RouteRequest(publish.Channel, Self));
        if (entry.Known)
        {
            Send(publish, entry.Remote, span is null ? null : AGServerTracing.TraceParent(span.Context));
            return;
        }
        // Held until the routes come; a traced publish keeps its span's context, the parent of its deliveries then.
        if (_routes.Hold(entry, span is null ? publish : publish with { Trace = span.Context })) return;
        _refused++;
        publish.ReplyTo?.Tell(new PublishFailed(publish.Correlation,
            $"Failed to publish to the {publish.Channel} channel - {_settings.HeldPublishesLimit} publishes already wait for the cluster to route them"));
    }

    /// <summary>
    /// History needs one sequencer: the channel's entity gives the offset and forwards it, local subscribers included.
    /// The publish waits here until the entity confirms it, and is sent again meanwhile (see <see cref="SequencingPublishes"/>).
    /// </summary>
    private void Sequence(Publish publish)
    {
        var pending = _sequencing.Add(publish, ++_publishSequence, Environment.TickCount64, out var send);
        if (pending is null)
        {
            _refused++;
            publish.ReplyTo?.Tell(new PublishFailed(publish.Correlation,
                $"Failed to publish to the {publish.Channel} channel - {_settings.HeldPublishesLimit} publishes already wait for their channels' entities"));
            return;
        }
        if (send) SendToEntity(pending);
    }

    private void SendToEntity(SequencingPublishes.Pending pending)
    {
        if (_nodeKey == 0) _nodeKey = InCluster ? Cluster.Get(Context.System).SelfUniqueAddress.Uid : Random.Shared.NextInt64(1, long.MaxValue);
        var publish = pending.Publish;
        _region.Tell(new SequencedPublish(publish.Channel, publish.Frame, Self, pending.Sequence, new PublishKey(_nodeKey, pending.Sequence)));
    }

    /// <summary>The entity numbered one of this node's publishes, and its replica has it: the publisher hears of it.</summary>
    private void OnSequenced(PublishAccepted accepted)
    {
        var publish = _sequencing.Accepted(accepted.Correlation, Environment.TickCount64, _resend);
        publish?.ReplyTo?.Tell(new PublishAccepted(publish.Correlation));
        foreach (var pending in _resend) SendToEntity(pending);
        _resend.Clear();
    }

    /// <summary>Reused for what a confirmation lets go next (a list per confirmed publish otherwise).</summary>
    private readonly List<SequencingPublishes.Pending> _resend = new();

    /// <summary>A numbered publication of a channel with history: kept in this node's copy, delivered, confirmed when this node is the replica.</summary>
    private void OnHistoryDeliver(HistoryDeliver deliver)
    {
        var first = _copies.Put(deliver, Environment.TickCount64);
        if (deliver.Replica)
        {
            Sender.Tell(new HistoryReplicated(deliver.Channel, deliver.Epoch, deliver.Entry.Offset));
            if (first) DeliverLocally(deliver.Channel, deliver.Entry.Frame);
            return;
        }
        if (first) OnDeliver(new Deliver(deliver.Channel, deliver.Entry.Frame));
    }

    private void Send(Publish publish, IActorRef[] brokers, string? traceParent = null)
    {
        if (brokers.Length > 0)
        {
            _metrics?.Forwarded(brokers.Length);
            var deliver = new Deliver(publish.Channel, publish.Frame, traceParent);
            foreach (var broker in brokers) broker.Tell(deliver);
        }
        publish.ReplyTo?.Tell(new PublishAccepted(publish.Correlation));
    }

    private void OnRoutes(Routes routes)
    {
        var entity = Sender;
        if (!_routes.Has(routes.Channel))
        {
            // Routes this node no longer wants (it released them, or they were revoked meanwhile).
            entity.Tell(new ReleaseRoutes(routes.Channel, Self));
            return;
        }
        var held = _routes.Apply(routes, entity);
        if (held is not null && _routes.TryGet(routes.Channel, out var entry))
            foreach (var publish in held) Send(publish, entry.Remote, AGServerTracing.TraceParent(publish.Trace));
        // Acknowledged even when stale: the entity only needs to know this node has routes at least this new.
        entity.Tell(new RoutesAck(routes.Channel, routes.Version));
    }

    /// <summary>A publish from another node's broker, for this node's subscribers.</summary>
    private void OnDeliver(Deliver deliver)
    {
        using var span = deliver.TraceParent is null ? null : StartSpan("deliver", ActivityKind.Consumer, deliver.Channel, AGServerTracing.Parse(deliver.TraceParent));
        var local = DeliverLocally(deliver.Channel, deliver.Frame);
        span?.SetTag("agserver.subscribers", local);
        if (local > 0 || _registering.ContainsKey(deliver.Channel)) return;
        // The publishing node's routes still list this node (an update is on its way, or the entity recovered a
        // registration after this node's last subscriber left): tell the entity, at most once a tick, not per message.
        if (!_staleReported.Add(deliver.Channel)) return;
        _region.Tell(new UnregisterNode(deliver.Channel, Self));
    }

    /// <summary>This node's subscribed sockets of a channel with presence, for a (re)started entity.</summary>
    private PresenceMember[] PresenceMembers(string channel)
    {
        var node = InCluster ? Cluster.Get(Context.System).SelfAddress.ToString() : Self.Path.Address.ToString();
        return _local.Of(channel).Select(s => s.Presence).OfType<PresenceIdentity>().Select(m => new PresenceMember(m.SocketId, m.UserId, node)).ToArray();
    }

    /// <summary>A span of this broker's (a publish, a delivery from another node): null while nothing records traces.</summary>
    private Activity? StartSpan(string name, ActivityKind kind, string channel, ActivityContext parent)
    {
        if (!AGServerTracing.Source.HasListeners()) return null;
        _node ??= InCluster ? Cluster.Get(Context.System).SelfAddress.ToString() : Self.Path.Address.ToString();
        var span = AGServerTracing.StartScoped(name, kind, _node, parent);
        span?.SetTag("messaging.system", "socketcluster");
        span?.SetTag("messaging.destination.name", channel);
        span?.SetTag("messaging.operation.type", kind == ActivityKind.Producer ? "publish" : "process");
        return span;
    }

    private string? _node;

    /// <summary>Hands the frame to every local subscriber of the channel; returns how many there were.</summary>
    private int DeliverLocally(string channel, byte[] frame)
    {
        var subscribers = _local.Of(channel);
        if (subscribers.Length == 0) return 0;
        _metrics?.Delivered(subscribers.Length);
        Sockets.Internal.SocketOutbox.BeginRun();
        try
        {
            foreach (var subscriber in subscribers)
            {
                try
                {
                    subscriber.Deliver(channel, frame);
                }
                catch (Exception error)
                {
                    // One subscriber's failure (its middleware filter, say) costs its own copy, not the others'.
                    ServerLog.BrokerFailed(_logger, $"a delivery on {channel}", error);
                }
            }
        }
        finally
        {
            Sockets.Internal.SocketOutbox.EndRun();
        }
        return subscribers.Length;
    }

    private bool InCluster => Context.System is Akka.Actor.Internal.ActorSystemImpl { Provider: IClusterActorRefProvider };

    protected override void PreStart()
    {
        _tick = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(TickInterval, TickInterval, Self, Tick.Instance, Self);
        if (InCluster) Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.ReachableMember), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberStatusChange), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        _tick?.Cancel();
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

    /// <summary>Publishes their entity has not confirmed: sent again, or answered with an error past the deadline.</summary>
    private void RetrySequencing(long now)
    {
        var resend = new List<SequencingPublishes.Pending>();
        var expired = new List<Publish>();
        var deadline = (long)_settings.SequenceTimeout.TotalMilliseconds;
        _sequencing.Due(now, RetryAfterMs, deadline, resend, expired);
        foreach (var pending in resend)
        {
            ServerLog.SequenceRetry(_logger, pending.Publish.Channel);
            SendToEntity(pending);
        }
        foreach (var publish in expired)
        {
            ServerLog.SequenceTimedOut(_logger, publish.Channel, deadline);
            publish.ReplyTo?.Tell(new PublishFailed(publish.Correlation,
                $"Failed to publish to the {publish.Channel} channel - its entity did not confirm the publish within {deadline} ms (its node may be down)"));
        }
    }

    /// <summary>A node became reachable again: make sure every entity of our channels knows this node and its routes are current.</summary>
    private void RegisterAll()
    {
        foreach (var channel in _local.Channels)
            if (_registered.TryGetValue(channel, out var sequence))
                _region.Tell(new RegisterNode(channel, Self, sequence));
        foreach (var (channel, _) in _routes.Entries) _region.Tell(new RouteRequest(channel, Self));
    }

    private void OnTick()
    {
        var now = Environment.TickCount64;
        // Registrations and route requests not answered for a while (the entity's message was lost in a crash or move).
        foreach (var (channel, registering) in _registering)
        {
            if (now - registering.SentAt < RetryAfterMs) continue;
            ServerLog.RegistrationRetry(_logger, channel);
            _region.Tell(new RegisterNode(channel, Self, registering.Sequence));
        }
        List<string>? idle = null;
        foreach (var (channel, entry) in _routes.Entries)
        {
            if (!entry.Known)
            {
                if (now - entry.RequestedAt < RetryAfterMs) continue;
                entry.RequestedAt = now;
                ServerLog.RouteRequestRetry(_logger, channel);
                _region.Tell(new RouteRequest(channel, Self));
            }
            else if (now - entry.LastUsed > _settings.RoutesIdleAfter.TotalMilliseconds)
            {
                (idle ??= []).Add(channel);
                entry.Authority?.Tell(new ReleaseRoutes(channel, Self));
            }
        }
        if (idle is not null) foreach (var channel in idle) _routes.Remove(channel);
        if (_sequencing.Count > 0) RetrySequencing(now);
        if (_staleReported.Count > 0) _staleReported.Clear();
        if (_refused > 0)
        {
            ServerLog.PublishesRefused(_logger, _refused, _settings.HeldPublishesLimit);
            _refused = 0;
        }
    }
}
