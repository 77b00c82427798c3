using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using AGServer.Channels.Internal;

namespace AGServer.Channels;

/// <summary>
/// One channel, living in the sharding region. Knows which nodes (their brokers) have subscribers, not which
/// sockets; forwards each publish once per subscribed node, in the order publishes arrive. Watches brokers and
/// forgets a node that dies. On start (first use, after passivation, rebalance or a node crash) it asks every
/// node's broker whether it has subscribers and holds publishes until they answered, so delivery resumes by itself.
/// Passivates when it has had no subscribed node and no traffic for a while.
/// </summary>
internal sealed class ChannelEntity : ReceiveActor, IWithUnboundedStash
{
    private sealed record RecoveryTimedOut
    {
        public static readonly RecoveryTimedOut Instance = new();
    }

    /// <summary>Sharding's hand-off stop message for channel entities (instead of PoisonPill, which would drop what is stashed or in flight).</summary>
    internal sealed record HandOffStop
    {
        public static readonly HandOffStop Instance = new();
    }

    private sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    private readonly string _channel;
    private readonly ChannelSettings _settings;
    private readonly NodeRegistrations _nodes = new();
    private readonly HashSet<Address> _awaitingReports = new();
    private ICancelable? _recoveryTimeout;

    public ChannelEntity(string channel, ChannelSettings settings)
    {
        _channel = channel;
        _settings = settings;
        Recovering();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(string channel, ChannelSettings settings) =>
        Akka.Actor.Props.Create(() => new ChannelEntity(channel, settings));

    protected override void PreStart()
    {
        // Every node that may have a broker with subscribers: all members not down or gone (leaving ones included,
        // they still serve sockets while they hand off), and always this node, whatever the cached state says yet.
        var cluster = Cluster.Get(Context.System);
        var nodes = cluster.State.Members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed) && !cluster.State.Unreachable.Contains(m))
            .Select(m => m.Address)
            .Append(cluster.SelfAddress)
            .Distinct();
        foreach (var node in nodes)
        {
            _awaitingReports.Add(node);
            Context.ActorSelection(new RootActorPath(node) / "user" / NodeBroker.Name).Tell(new WhoSubscribes(_channel, Self));
        }
        if (_awaitingReports.Count == 0) BecomeActive();
        else _recoveryTimeout = Context.System.Scheduler.ScheduleTellOnceCancelable(_settings.RecoveryTimeout, Self, RecoveryTimedOut.Instance, Self);
    }

    protected override void PostStop() => _recoveryTimeout?.Cancel();

    private void Recovering()
    {
        Receive<SubscriptionReport>(report =>
        {
            if (report.Subscribed) AddNode(report.Broker);
            _awaitingReports.Remove(report.Broker.Path.Address.HasLocalScope ? Cluster.Get(Context.System).SelfAddress : report.Broker.Path.Address);
            if (_awaitingReports.Count == 0) BecomeActive();
        });
        Receive<RecoveryTimedOut>(_ => BecomeActive());
        Receive<HandOffStop>(_ =>
        {
            // Serve what is stashed with the nodes known so far, then stop like an active entity.
            BecomeActive();
            OnHandOffStop();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void BecomeActive()
    {
        _recoveryTimeout?.Cancel();
        Become(Active);
        Context.SetReceiveTimeout(_settings.PassivateIdleAfter);
        Stash.UnstashAll();
    }

    private void Active()
    {
        Receive<Publish>(publish =>
        {
            var deliver = new Deliver(_channel, publish.Frame);
            foreach (var broker in _nodes.Brokers) broker.Tell(deliver);
            publish.ReplyTo?.Tell(new PublishAccepted(publish.Correlation));
        });
        Receive<RegisterNode>(register =>
        {
            AddNode(register.Broker);
            register.Broker.Tell(new NodeRegistered(_channel, register.Sequence));
        });
        Receive<UnregisterNode>(unregister =>
        {
            if (_nodes.Remove(unregister.Broker)) Context.Unwatch(unregister.Broker);
        });
        Receive<SubscriptionReport>(report =>
        {
            if (report.Subscribed) AddNode(report.Broker);
        });
        Receive<Terminated>(terminated => _nodes.Remove(terminated.ActorRef));
        Receive<HandOffStop>(_ => OnHandOffStop());
        Receive<Drained>(_ => Context.Stop(Self));
        Receive<ReceiveTimeout>(_ =>
        {
            if (_nodes.IsEmpty) Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
    }

    private bool _draining;

    /// <summary>
    /// Handed off: stop once what is already in the mailbox (publishes unstashed a moment ago included) has gone out,
    /// which a PoisonPill or Context.Stop would drop; the next home rebuilds from the brokers.
    /// </summary>
    private void OnHandOffStop()
    {
        if (_draining) return;
        _draining = true;
        Context.SetReceiveTimeout(null);
        Self.Tell(Drained.Instance);
    }

    private void AddNode(IActorRef broker)
    {
        if (_nodes.Add(broker)) Context.Watch(broker);
    }
}
