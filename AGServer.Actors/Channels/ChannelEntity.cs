using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using AGServer.Channels.Internal;
using AGServer.Server.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AGServer.Channels;

/// <summary>
/// One channel, living in the sharding region: the authority on which nodes (their brokers) subscribe, not on which
/// sockets. It is not on the publish path: every broker that publishes on the channel (a route holder) gets the list
/// of subscribed brokers and every change of it, and delivers straight to them. A registration is confirmed once every
/// holder acknowledged the routes that include it, so a publish made after a subscribe's ack reaches it; a holder that
/// does not acknowledge in time loses its routes (revoked) and asks again on its next publish.
/// On start (first use, after passivation, rebalance or a node crash) it asks every node's broker whether it
/// subscribes or holds routes and holds registrations until they answered; then it sends the holders fresh routes.
/// While it is away the holders keep their last routes, so publishes between surviving nodes go on.
/// Passivates when it has had no subscribed node and no message for a while, revoking the holders' routes.
/// </summary>
internal sealed class ChannelEntity : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private sealed record RecoveryTimedOut
    {
        public static readonly RecoveryTimedOut Instance = new();
    }

    private sealed record CheckAcks
    {
        public static readonly CheckAcks Instance = new();
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

    /// <summary>A registration waiting for every holder to acknowledge routes of <see cref="Version"/> or newer.</summary>
    private readonly record struct PendingRegistration(IActorRef Broker, long Sequence, long Version, long Since);

    private readonly string _channel;
    private readonly ChannelSettings _settings;
    private readonly ILogger _logger;
    private readonly NodeRegistrations _nodes = new();
    private readonly Dictionary<IActorRef, long> _holders = new();
    private readonly List<PendingRegistration> _pending = new();
    private readonly HashSet<Address> _awaitingReports = new();
    private long _version;

    public ChannelEntity(string channel, ChannelSettings settings, ILogger? logger = null)
    {
        _channel = channel;
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
        Recovering();
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string channel, ChannelSettings settings, ILogger? logger = null) =>
        Akka.Actor.Props.Create(() => new ChannelEntity(channel, settings, logger));

    protected override void PreStart()
    {
        // Every node that may have a broker with subscribers or routes: all members not down or gone (leaving ones
        // included, they still serve sockets while they hand off), and always this node, whatever the cached state says yet.
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
        else Timers.StartSingleTimer(RecoveryTimedOut.Instance, RecoveryTimedOut.Instance, _settings.RecoveryTimeout);
    }

    private void Recovering()
    {
        Receive<SubscriptionReport>(report =>
        {
            OnReport(report, active: false);
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
        Timers.Cancel(RecoveryTimedOut.Instance);
        Become(Active);
        Context.SetReceiveTimeout(_settings.PassivateIdleAfter);
        // Holders keep the routes of the previous incarnation; this one's replace them.
        if (_holders.Count > 0) PushRoutes();
        Stash.UnstashAll();
    }

    private void Active()
    {
        Receive<RegisterNode>(register =>
        {
            if (AddNode(register.Broker)) PushRoutes();
            _pending.Add(new PendingRegistration(register.Broker, register.Sequence, _version, Environment.TickCount64));
            ConfirmAcknowledged();
        });
        Receive<UnregisterNode>(unregister =>
        {
            if (!_nodes.Remove(unregister.Broker)) return;
            UnwatchIfUnused(unregister.Broker);
            PushRoutes();
        });
        Receive<RouteRequest>(request =>
        {
            // A new holder has no routes before these, so it publishes nothing remote that could miss a registration:
            // it counts as acknowledged up to now.
            if (_holders.TryAdd(request.Broker, _version)) Context.Watch(request.Broker);
            request.Broker.Tell(new Routes(_channel, _nodes.Brokers.ToArray(), _version));
        });
        Receive<RoutesAck>(ack =>
        {
            if (!_holders.TryGetValue(Sender, out var acked))
            {
                // Routes that reached a broker after it was dropped as a holder: it must not keep them.
                Sender.Tell(new RoutesRevoked(_channel));
                return;
            }
            if (ack.Version > acked) _holders[Sender] = ack.Version;
            ConfirmAcknowledged();
        });
        Receive<ReleaseRoutes>(release =>
        {
            if (!_holders.Remove(release.Broker)) return;
            UnwatchIfUnused(release.Broker);
            ConfirmAcknowledged();
        });
        Receive<SubscriptionReport>(report => OnReport(report, active: true));
        Receive<CheckAcks>(_ => RevokeLateHolders());
        Receive<Terminated>(terminated =>
        {
            _holders.Remove(terminated.ActorRef);
            if (_nodes.Remove(terminated.ActorRef)) PushRoutes();
            ConfirmAcknowledged();
        });
        Receive<HandOffStop>(_ => OnHandOffStop());
        Receive<Drained>(_ => Context.Stop(Self));
        Receive<ReceiveTimeout>(_ =>
        {
            if (!_nodes.IsEmpty || _pending.Count > 0) return;
            foreach (var holder in _holders.Keys) holder.Tell(new RoutesRevoked(_channel));
            _holders.Clear();
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
    }

    /// <summary>A broker's answer to the start-up query (or a late one): it subscribes, holds routes, or both.</summary>
    private void OnReport(SubscriptionReport report, bool active)
    {
        var added = report.Subscribed && AddNode(report.Broker);
        if (report.HoldsRoutes && _holders.TryAdd(report.Broker, 0))
        {
            Context.Watch(report.Broker);
            if (active && !added) report.Broker.Tell(new Routes(_channel, _nodes.Brokers.ToArray(), _version));
        }
        if (active && added) PushRoutes();
    }

    /// <summary>The subscribed brokers changed: every holder gets the new list.</summary>
    private void PushRoutes()
    {
        _version++;
        if (_holders.Count == 0) return;
        var routes = new Routes(_channel, _nodes.Brokers.ToArray(), _version);
        foreach (var holder in _holders.Keys) holder.Tell(routes);
    }

    /// <summary>Confirms every registration all holders have acknowledged; checks again later for the others.</summary>
    private void ConfirmAcknowledged()
    {
        if (_pending.Count == 0) return;
        var slowest = long.MaxValue;
        foreach (var acked in _holders.Values) slowest = Math.Min(slowest, acked);
        _pending.RemoveAll(pending =>
        {
            if (pending.Version > slowest) return false;
            pending.Broker.Tell(new NodeRegistered(_channel, pending.Sequence));
            return true;
        });
        if (_pending.Count > 0 && !Timers.IsTimerActive(CheckAcks.Instance))
            Timers.StartSingleTimer(CheckAcks.Instance, CheckAcks.Instance, _settings.RouteAckTimeout);
    }

    /// <summary>
    /// Holders that did not acknowledge a registration's routes in time (their node is unreachable, say) lose their
    /// routes, so the registration can be confirmed: a revoked holder asks for fresh routes before it publishes again.
    /// </summary>
    private void RevokeLateHolders()
    {
        var timeout = (long)_settings.RouteAckTimeout.TotalMilliseconds;
        var now = Environment.TickCount64;
        foreach (var pending in _pending)
        {
            if (now - pending.Since < timeout) continue;
            foreach (var (holder, acked) in _holders.ToArray())
            {
                if (acked >= pending.Version) continue;
                ServerLog.RouteHolderDropped(_logger, holder.Path.ToString(), _channel, timeout);
                holder.Tell(new RoutesRevoked(_channel));
                _holders.Remove(holder);
                UnwatchIfUnused(holder);
            }
        }
        ConfirmAcknowledged();
    }

    private bool _draining;

    /// <summary>
    /// Handed off: stop once what is already in the mailbox (registrations unstashed a moment ago included) has been
    /// handled, which a PoisonPill or Context.Stop would drop; the next home rebuilds from the brokers. Holders keep
    /// their routes meanwhile, so publishing goes on through the move.
    /// </summary>
    private void OnHandOffStop()
    {
        if (_draining) return;
        _draining = true;
        Context.SetReceiveTimeout(null);
        Self.Tell(Drained.Instance);
    }

    private bool AddNode(IActorRef broker)
    {
        if (!_nodes.Add(broker)) return false;
        Context.Watch(broker);
        return true;
    }

    private void UnwatchIfUnused(IActorRef broker)
    {
        if (!_holders.ContainsKey(broker) && !_nodes.Brokers.Contains(broker)) Context.Unwatch(broker);
    }
}
