using AGServer.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using AGServer.Channels.Internal;
using AGServer.Protocol;
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
/// A channel with features (<see cref="ChannelFeatures"/>) also keeps, here: its history (publishes come to the
/// entity, which gives each the next offset, keeps it and forwards it; handed over to the next home on a graceful
/// move), and its presence (members reported by the brokers, rebuilt from them after a move or crash, announced on
/// the companion channel <c>$presence:name</c>). An entity with a non-empty history does not passivate.
/// </summary>
internal sealed class ChannelEntity : UntypedActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>The sharding type name of channel entities.</summary>
    public const string TypeName = "agserver-channel";

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

    private sealed record CheckReplica
    {
        public static readonly CheckReplica Instance = new();
    }

    /// <summary>A publish confirmed to its publisher once the replica has its offset.</summary>
    private readonly record struct Unreplicated(long Offset, IActorRef ReplyTo, long Correlation, long Since);

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
    private readonly Func<ISocketCodec> _codec;
    private readonly HistoryBuffer? _history;
    private readonly PresenceTracker? _presence;
    private readonly HashSet<string> _reportedUnannounced = new();
    private readonly ChannelFeatureMap _features;
    private readonly Queue<Unreplicated> _unreplicated = new();
    // The node keeping a copy of the history (another member, chosen by channel), and what it confirmed it has.
    private Address? _replica;
    private ActorSelection? _replicaBroker;
    private long _replicated;
    private object? _membersSeen;
    // The copies of the history the brokers reported while this incarnation started.
    private List<(HistoryTail Tail, Address Node)>? _copies;
    // The history in the Akka.Persistence journal (when configured): recovered before this incarnation serves, and
    // written up to _journaled.
    private IActorRef? _journal;
    private bool _awaitingJournal;
    private long _journaled;

    internal ChannelEntity(string channel, ChannelSettings settings, ILogger? logger = null, ChannelFeatureMap? features = null, Func<ISocketCodec>? codec = null)
    {
        _channel = channel;
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
        _codec = codec ?? (() => JsonCodec.Instance);
        var these = (features ?? ChannelFeatureMap.Empty).For(channel);
        _features = features ?? ChannelFeatureMap.Empty;
        if (these.HasHistory) _history = new HistoryBuffer(these.HistorySize, these.HistoryTtl);
        if (these.Presence) _presence = new PresenceTracker();
    }

    /// <summary>Starts in <see cref="Recovering"/>; <see cref="BecomeActive"/> moves it to <see cref="Active"/>.</summary>
    protected override void OnReceive(object message) => Recovering(message);

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string channel, ChannelSettings settings, ILogger? logger = null, ChannelFeatureMap? features = null,
        Func<ISocketCodec>? codec = null) =>
        Akka.Actor.Props.CreateBy(new Producer(channel, settings, logger, features, codec));

    /// <summary>
    /// Creates the entity with a plain constructor call: a channel entity starts on a channel's first use, so its start is
    /// on a subscribe's path (an expression-built Props costs a reflection call and its allocations per entity).
    /// </summary>
    private sealed class Producer(string channel, ChannelSettings settings, ILogger? logger, ChannelFeatureMap? features, Func<ISocketCodec>? codec)
        : IIndirectActorProducer
    {
        public Type ActorType => typeof(ChannelEntity);

        public ActorBase Produce() => new ChannelEntity(channel, settings, logger, features, codec);

        public void Release(ActorBase actor)
        {
        }
    }

    protected override void PreStart()
    {
        if (_settings.HistoryJournal && _history is not null)
        {
            var these = _features.For(_channel);
            _journal = Context.Watch(Context.ActorOf(HistoryJournal.Props(_channel, these.HistorySize, these.HistoryTtl), "journal"));
            _awaitingJournal = true;
        }
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

    /// <summary>Until every broker reported (or the recovery timeout): reports and the journal's history are taken, the rest waits.</summary>
    private void Recovering(object message)
    {
        switch (message)
        {
            case SubscriptionReport report:
                OnReport(report, active: false);
                _awaitingReports.Remove(report.Broker.Path.Address.HasLocalScope ? Cluster.Get(Context.System).SelfAddress : report.Broker.Path.Address);
                if (_awaitingReports.Count == 0 && !_awaitingJournal) BecomeActive();
                break;
            case HistoryJournal.Recovered recovered:
                if (recovered.Tail is { } tail) (_copies ??= []).Add((tail, Cluster.Get(Context.System).SelfAddress));
                _journaled = recovered.Tail?.Offset ?? 0;
                _journaledEpoch = recovered.Tail?.Epoch;
                _awaitingJournal = false;
                if (_awaitingReports.Count == 0 || _reportsTimedOut) BecomeActive();
                break;
            case RecoveryTimedOut:
                // The journal is waited for whatever it takes (it fails on its own timeout): its history must not fork.
                _reportsTimedOut = true;
                if (!_awaitingJournal) BecomeActive();
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_journal):
                JournalFailed();
                break;
            case HistoryHandoff handoff:
                OnHistoryHandoff(handoff);
                break;
            case HandOffStop:
                // Serve what is stashed with the nodes known so far, then stop like an active entity.
                BecomeActive();
                OnHandOffStop();
                break;
            default:
                Stash.Stash();
                // The stash is bounded: at the held-publishes limit the entity stops waiting for slow reports and serves
                // what it has (late reports still register their nodes), rather than holding without end.
                if (++_stashed >= _settings.HeldPublishesLimit && !_awaitingJournal) BecomeActive();
                break;
        }
    }

    private int _stashed;
    private bool _reportsTimedOut;
    private string? _journaledEpoch;

    /// <summary>The next incarnation starts when this one's journal failed (its store is unreachable, say).</summary>
    private void JournalFailed()
    {
        ServerLog.HistoryJournalFailed(_logger, _channel);
        _journal = null;
        Context.Stop(Self);
    }

    private void BecomeActive()
    {
        Timers.Cancel(RecoveryTimedOut.Instance);
        ContinueHistory();
        Context.Become(Active);
        Context.SetReceiveTimeout(_settings.PassivateIdleAfter);
        // Holders keep the routes of the previous incarnation; this one's replace them.
        if (_holders.Count > 0) PushRoutes();
        // Listeners of the presence channel may have missed leaves of members whose node went down with the previous
        // incarnation: they refetch the members.
        if (_presence is not null) AnnouncePresence("reset", null, null, null);
        _stashed = 0;
        Stash.UnstashAll();
    }

    /// <summary>Serving: registrations, routes, presence, and (with history) sequencing and replication.</summary>
    private void Active(object message)
    {
        switch (message)
        {
            case RegisterNode register:
                if (AddNode(register.Broker)) PushRoutes();
                _pending.Add(new PendingRegistration(register.Broker, register.Sequence, _version, Environment.TickCount64));
                ConfirmAcknowledged();
                break;
            case UnregisterNode unregister:
                if (!_nodes.Remove(unregister.Broker)) return;
                UnwatchIfUnused(unregister.Broker);
                PushRoutes();
                break;
            case RouteRequest request:
                // A new holder has no routes before these, so it publishes nothing remote that could miss a registration:
                // it counts as acknowledged up to now.
                if (_holders.TryAdd(request.Broker, _version)) Context.Watch(request.Broker);
                request.Broker.Tell(new Routes(_channel, _nodes.Brokers.ToArray(), _version));
                break;
            case RoutesAck ack:
                if (!_holders.TryGetValue(Sender, out var acked))
                {
                    // Routes that reached a broker after it was dropped as a holder: it must not keep them.
                    Sender.Tell(new RoutesRevoked(_channel));
                    return;
                }
                if (ack.Version > acked) _holders[Sender] = ack.Version;
                ConfirmAcknowledged();
                break;
            case ReleaseRoutes release:
                if (!_holders.Remove(release.Broker)) return;
                UnwatchIfUnused(release.Broker);
                ConfirmAcknowledged();
                break;
            case SubscriptionReport report:
                OnReport(report, active: true);
                break;
            case CheckAcks:
                RevokeLateHolders();
                break;
            case HistoryJournal.Journaled journaled:
                if (journaled.Epoch != _history?.Epoch) return;
                _journaled = Math.Max(_journaled, journaled.Offset);
                ConfirmReady();
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_journal):
                JournalFailed();
                break;
            case Terminated terminated:
                OnBrokerTerminated(terminated.ActorRef);
                break;
            case SequencedPublish publish:
                OnSequencedPublish(publish);
                break;
            case HistoryReplicated replicated:
                OnReplicated(replicated);
                break;
            case CheckReplica:
                OnCheckReplica();
                break;
            case PresenceJoin join:
            {
                var node = NodeOf(join.Broker);
                // A member first known from a start-up report is announced when its own join arrives.
                if (_presence?.Join(join.SocketId, join.UserId, join.Broker, node) == true || _reportedUnannounced.Remove(join.SocketId))
                    AnnouncePresence("join", join.SocketId, join.UserId, node);
                break;
            }
            case PresenceLeave leave:
            {
                if (_presence is null) return;
                var node = _presence.NodeOf(leave.SocketId);
                _reportedUnannounced.Remove(leave.SocketId);
                var userId = _presence.Leave(leave.SocketId, out var removed);
                if (removed) AnnouncePresence("leave", leave.SocketId, userId, node);
                break;
            }
            case PresenceQuery query:
                query.ReplyTo.Tell(_presence is null
                    ? new PresenceAnswer(_channel, query.Correlation, false, 0, 0, [])
                    : new PresenceAnswer(_channel, query.Correlation, true, _presence.Sockets, _presence.Users,
                        query.WithMembers ? _presence.Members.ToArray() : []));
                break;
            case HistoryQuery query:
                OnHistoryQuery(query);
                break;
            case HistoryHandoff handoff:
                OnHistoryHandoff(handoff);
                break;
            case HandOffStop:
                OnHandOffStop();
                break;
            case Drained:
                // The history goes to the next home through the region, which holds messages for a shard being handed off.
                if (_history is { Offset: > 0 })
                    ClusterSharding.Get(Context.System).ShardRegion(TypeName)
                        .Tell(new HistoryHandoff(_channel, _history.Epoch, _history.Offset, _history.All));
                // What still waits for its replica or the journal is not confirmed here: its broker sends it again, and the
                // next home (which has it, from the hand-off or a copy) recognises it by its key and confirms it.
                Context.Stop(Self);
                break;
            case ReceiveTimeout:
                PassivateIfIdle();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A subscribed or publishing broker (its node) is gone: its routes, registrations and presence members go.</summary>
    private void OnBrokerTerminated(IActorRef broker)
    {
        _holders.Remove(broker);
        if (_nodes.Remove(broker)) PushRoutes();
        ConfirmAcknowledged();
        if (_presence is not null)
            foreach (var (socketId, userId) in _presence.LeaveAll(broker))
            {
                _reportedUnannounced.Remove(socketId);
                AnnouncePresence("leave", socketId, userId, NodeOf(broker));
            }
    }

    private void PassivateIfIdle()
    {
        if (!_nodes.IsEmpty || _pending.Count > 0) return;
        // A history outlives its subscribers (they come back to recover from it) until its publications expire.
        _history?.Trim(Environment.TickCount64);
        if (_history is { Count: > 0 }) return;
        foreach (var holder in _holders.Keys) holder.Tell(new RoutesRevoked(_channel));
        _holders.Clear();
        _replicaBroker?.Tell(new HistoryForget(_channel));
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    /// <summary>A broker's answer to the start-up query (or a late one): it subscribes, holds routes, or both.</summary>
    private void OnReport(SubscriptionReport report, bool active)
    {
        if (report.Tail is { } tail)
        {
            if (active) OnLateCopy(tail, AddressOf(report.Broker));
            else (_copies ??= []).Add((tail, AddressOf(report.Broker)));
        }
        if (_presence is not null && report.Members is { } members)
            foreach (var member in members)
            {
                if (!_presence.Join(member.SocketId, member.UserId, report.Broker, member.Node)) continue;
                if (active) AnnouncePresence("join", member.SocketId, member.UserId, member.Node);
                else _reportedUnannounced.Add(member.SocketId);
            }
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

    /// <summary>
    /// A publish on a channel with history: the next offset, kept, forwarded to every subscribed node (which keep a
    /// copy of the tail) and to the replica; confirmed to the publisher once the replica has it. A publish sent again
    /// (its key is known) is not numbered twice: it is confirmed like the first.
    /// </summary>
    private void OnSequencedPublish(SequencedPublish publish)
    {
        if (_history is null)
        {
            var deliver = new Deliver(_channel, publish.Frame);
            foreach (var broker in _nodes.Brokers) broker.Tell(deliver);
            publish.ReplyTo?.Tell(new PublishAccepted(publish.Correlation));
            return;
        }
        if (publish.Key.IsSome && _history.TryGetOffset(publish.Key, out var numbered))
        {
            ConfirmWhenReplicated(numbered, publish.ReplyTo, publish.Correlation);
            return;
        }
        var replica = ChooseReplica();
        var frame = SequencedFrames.Wrap(_codec(), _channel, publish.Frame, _history.Next, _history.Epoch);
        var entry = _history.Append(frame, Environment.TickCount64, publish.Key);
        var copy = new HistoryDeliver(_channel, _history.Epoch, entry, Replica: false);
        foreach (var broker in _nodes.Brokers)
            if (replica is null || AddressOf(broker) != replica) broker.Tell(copy);
        _replicaBroker?.Tell(copy with { Replica = true });
        _journal?.Tell(new HistoryJournal.Append(_history.Epoch, entry));
        ConfirmWhenReplicated(entry.Offset, publish.ReplyTo, publish.Correlation);
    }

    private void ConfirmWhenReplicated(long offset, IActorRef? replyTo, long correlation)
    {
        if (replyTo is null) return;
        if (IsSafe(offset))
        {
            replyTo.Tell(new PublishAccepted(correlation));
            return;
        }
        _unreplicated.Enqueue(new Unreplicated(offset, replyTo, correlation, Environment.TickCount64));
        if (!Timers.IsTimerActive(CheckReplica.Instance))
            Timers.StartPeriodicTimer(CheckReplica.Instance, CheckReplica.Instance, _settings.RouteAckTimeout / 2);
    }

    /// <summary>As safe as the guarantee says: on the replica (when there is one) and in the journal (when configured).</summary>
    private bool IsSafe(long offset) => (_replica is null || offset <= _replicated) && (_journal is null || offset <= _journaled);

    /// <summary>Confirms, in order, the publishes that are safe now.</summary>
    private void ConfirmReady()
    {
        while (_unreplicated.TryPeek(out var waiting) && IsSafe(waiting.Offset))
        {
            _unreplicated.Dequeue();
            waiting.ReplyTo.Tell(new PublishAccepted(waiting.Correlation));
        }
        if (_unreplicated.Count == 0) Timers.Cancel(CheckReplica.Instance);
    }

    private void OnReplicated(HistoryReplicated replicated)
    {
        if (_history is null || replicated.Epoch != _history.Epoch || AddressOf(Sender) != _replica) return;
        _replicated = Math.Max(_replicated, replicated.Offset);
        ConfirmReady();
    }

    /// <summary>The replica did not confirm in time (its node is unreachable, say): another member becomes it.</summary>
    private void OnCheckReplica()
    {
        if (!_unreplicated.TryPeek(out var oldest))
        {
            Timers.Cancel(CheckReplica.Instance);
            return;
        }
        var timeout = (long)_settings.RouteAckTimeout.TotalMilliseconds;
        if (Environment.TickCount64 - oldest.Since < timeout) return;
        var next = ChooseReplica(avoid: _replica);
        ServerLog.ReplicaLate(_logger, _channel, timeout, next?.ToString() ?? "none (no other member: this node's copy is the only one)");
        SwitchReplica(next);
    }

    /// <summary>
    /// The member that keeps this channel's copy: one of the other members up and reachable, picked by the channel's
    /// name (so channels spread over the nodes), the same while membership stays; null on a cluster of one.
    /// </summary>
    private Address? ChooseReplica(Address? avoid = null)
    {
        var cluster = Cluster.Get(Context.System);
        var state = cluster.State;
        if (avoid is null && ReferenceEquals(state.Members, _membersSeen)) return _replica;
        var candidates = state.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && m.Address != cluster.SelfAddress
                        && m.Address != avoid && !state.Unreachable.Contains(m))
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)
            .ToArray();
        var chosen = candidates.Length == 0 ? null : candidates[(int)((uint)_channel.GetHashCode() % (uint)candidates.Length)];
        if (avoid is null) _membersSeen = state.Members;
        if (chosen != _replica) SwitchReplica(chosen);
        return chosen;
    }

    /// <summary>A new replica gets the whole history; the old one drops its copy; what waited for the old one is confirmed by the new one.</summary>
    private void SwitchReplica(Address? next)
    {
        _replicaBroker?.Tell(new HistoryForget(_channel));
        _replica = next;
        _replicated = 0;
        _replicaBroker = next is null ? null : Context.ActorSelection(new RootActorPath(next) / "user" / NodeBroker.Name);
        if (next is null)
        {
            ConfirmReady();
            return;
        }
        if (_history is { Offset: > 0 }) _replicaBroker!.Tell(new HistoryReplicate(_channel, _history.Epoch, _history.Offset, _history.All));
    }

    /// <summary>
    /// A (re)started entity continues the most advanced copy the brokers reported (a crash of the previous home loses
    /// neither the epoch nor what any survivor got), and makes sure its replica has it.
    /// </summary>
    private void ContinueHistory()
    {
        if (_history is null) return;
        if (_copies is not null)
        {
            // The newest epoch's most advanced copy names the epoch; every copy of it fills in what the others lack.
            var best = Epochs.Newest(_copies, copy => copy.Tail);
            foreach (var (tail, _) in _copies.Where(c => c.Tail.Epoch == best.Tail.Epoch).OrderByDescending(c => c.Tail.Offset))
                _history.Adopt(tail.Epoch, tail.Offset, tail.Entries);
            if (_history.Epoch == best.Tail.Epoch)
                ServerLog.HistoryContinued(_logger, _channel, best.Node.ToString(), _history.Epoch, _history.Offset);
            _copies = null;
        }
        MarkContinued();
        if (_history.Offset == 0) return;
        if (_journal is not null)
        {
            // The journal gets what it lacks of the history continued (a copy got further than it before the crash).
            var journaledFrom = _journaledEpoch == _history.Epoch ? _journaled : 0;
            if (_journaledEpoch != _history.Epoch) _journaled = 0;
            foreach (var entry in _history.All)
                if (entry.Offset > journaledFrom) _journal.Tell(new HistoryJournal.Append(_history.Epoch, entry));
        }
        // Whoever is chosen (the previous replica too) gets the whole history: this incarnation may know more than it.
        _membersSeen = null;
        _replica = null;
        ChooseReplica();
    }

    /// <summary>
    /// A copy a broker reported after this incarnation began to serve (a slow node, a report past the recovery timeout).
    /// While nothing was numbered since the history was continued, a more advanced copy is taken in, as it would have
    /// been in time. Once offsets past the continued one were given again, a copy that has those offsets means they
    /// now name two publications: the history starts a new epoch, so every subscriber refetches rather than skipping
    /// or repeating, and publishes not yet confirmed fail (their publishers send them again).
    /// </summary>
    private void OnLateCopy(HistoryTail late, Address node)
    {
        if (_history is null) return;
        var numberedSince = _history.Epoch != _continuedEpoch || _history.Offset > _continuedAt;
        if (!numberedSince)
        {
            if (!_history.Adopt(late.Epoch, late.Offset, late.Entries)) return;
            ServerLog.HistoryContinued(_logger, _channel, node.ToString(), _history.Epoch, _history.Offset);
            var journaledFrom = _journaledEpoch == _history.Epoch ? _journaled : 0;
            if (_journal is not null)
                foreach (var entry in _history.All)
                    if (entry.Offset > journaledFrom) _journal.Tell(new HistoryJournal.Append(_history.Epoch, entry));
            MarkContinued();
            _replicated = 0;
            _replicaBroker?.Tell(new HistoryReplicate(_channel, _history.Epoch, _history.Offset, _history.All));
            return;
        }
        if (late.Epoch != _history.Epoch || late.Offset <= _continuedAt) return;
        var forked = _history.Epoch;
        _history.StartEpoch();
        MarkContinued();
        _replicated = 0;
        _replicaBroker?.Tell(new HistoryForget(_channel));
        ServerLog.HistoryForked(_logger, _channel, node.ToString(), forked, late.Offset, _continuedAt, _history.Epoch);
        while (_unreplicated.TryDequeue(out var waiting))
            waiting.ReplyTo.Tell(new PublishFailed(waiting.Correlation,
                $"Failed to publish to the {_channel} channel - its history was restarted (a late copy of it was found); publish again"));
        Timers.Cancel(CheckReplica.Instance);
    }

    /// <summary>Where this incarnation's history was continued (or restarted): numbering past it is this incarnation's own.</summary>
    private void MarkContinued()
    {
        _continuedEpoch = _history!.Epoch;
        _continuedAt = _history.Offset;
    }

    private string? _continuedEpoch;
    private long _continuedAt;

    private void OnHistoryQuery(HistoryQuery query)
    {
        if (_history is null)
        {
            query.ReplyTo.Tell(new HistoryAnswer(_channel, query.Correlation, false, "", 0, false, []));
            return;
        }
        var now = Environment.TickCount64;
        var entries = query.Epoch is { } epoch ? _history.Since(epoch, query.Since, now) : _history.Latest(query.Limit, now);
        query.ReplyTo.Tell(new HistoryAnswer(_channel, query.Correlation, true, _history.Epoch, _history.Offset, entries is not null,
            entries?.Select(e => e.Frame).ToArray() ?? []));
    }

    /// <summary>The previous home's history, handed over on a graceful move: taken over unless this one already sequenced.</summary>
    private void OnHistoryHandoff(HistoryHandoff handoff)
    {
        if (_history is null || !_history.Adopt(handoff.Epoch, handoff.Offset, handoff.Entries)) return;
        // Taken over while active (the hand-off came late): the replica gets the whole history again.
        if (_replica is not null) SwitchReplica(_replica);
    }

    private void AnnouncePresence(string action, string? socketId, string? userId, string? node)
    {
        var companion = ChannelFeatureMap.PresencePrefix + _channel;
        var frame = _codec().Encode(OutboundPacket.Publish(companion,
            new PresenceEvent(action, socketId, userId, node, _presence!.Sockets, _presence.Users)));
        Context.ActorSelection("/user/" + NodeBroker.Name).Tell(new Publish(companion, frame, null, 0));
    }

    /// <summary>What listeners of <c>$presence:name</c> get: a join, a leave, or a reset (refetch the members).</summary>
    private sealed record PresenceEvent(string Action, string? SocketId, string? UserId, string? Node, int Sockets, int Users);

    private string NodeOf(IActorRef broker) => AddressOf(broker).ToString();

    private Address AddressOf(IActorRef actor) =>
        actor.Path.Address.HasLocalScope ? Cluster.Get(Context.System).SelfAddress : actor.Path.Address;

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
