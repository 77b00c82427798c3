using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Channels;

public sealed class ChannelEntitySpec : ServerTestKit
{
    private static readonly ChannelSettings Settings = new(10, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2),
        RouteAckTimeout: TimeSpan.FromMilliseconds(500), RoutesIdleAfter: TimeSpan.FromSeconds(60), HeldPublishesLimit: 100,
        SequenceTimeout: TimeSpan.FromSeconds(9));

    /// <summary>Stands in for this node's broker at its well-known path, so the entity's recovery query reaches a probe.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) => ReceiveAny(message => target.Forward(message));
    }

    private readonly TestProbe _nodeBroker;

    public ChannelEntitySpec()
    {
        _nodeBroker = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(_nodeBroker.Ref)), NodeBroker.Name);
    }

    private async Task<IActorRef> StartEntity(string channel, bool thisNodeSubscribes = false)
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var entity = ChildActorOf(ChannelEntity.Props(channel, Settings));
        var who = await _nodeBroker.ExpectMsgAsync<WhoSubscribes>();
        Assert.Equal(channel, who.Channel);
        who.Entity.Tell(new SubscriptionReport(channel, _nodeBroker.Ref, thisNodeSubscribes));
        return entity;
    }

    private static string[] Paths(Routes routes) => routes.Brokers.Select(b => b.Path.ToString()).Order().ToArray();

    [Fact]
    public async Task A_registration_is_confirmed_at_once_when_no_broker_publishes_on_the_channel()
    {
        var entity = await StartEntity("quiet");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("quiet", broker.Ref, 7));
        Assert.Equal(7, (await broker.ExpectMsgAsync<NodeRegistered>()).Sequence);
    }

    [Fact]
    public async Task A_publishing_broker_gets_the_routes_and_a_registration_is_confirmed_only_once_it_acknowledged_them()
    {
        var entity = await StartEntity("news");
        var subscriber = CreateTestProbe();
        entity.Tell(new RegisterNode("news", subscriber.Ref, 1));
        await subscriber.ExpectMsgAsync<NodeRegistered>();

        var publisher = CreateTestProbe();
        entity.Tell(new RouteRequest("news", publisher.Ref));
        var first = await publisher.ExpectMsgAsync<Routes>();
        Assert.Equal([subscriber.Ref.Path.ToString()], Paths(first));

        var late = CreateTestProbe();
        entity.Tell(new RegisterNode("news", late.Ref, 5));
        var update = await publisher.ExpectMsgAsync<Routes>();
        Assert.True(update.Version > first.Version);
        Assert.Equal(new[] { subscriber.Ref, late.Ref }.Select(r => r.Path.ToString()).Order(), Paths(update));
        await late.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)); // not before the publisher has the route

        entity.Tell(new RoutesAck("news", update.Version), publisher.Ref);
        Assert.Equal(5, (await late.ExpectMsgAsync<NodeRegistered>()).Sequence);
    }

    [Fact]
    public async Task An_unregistered_node_leaves_the_routes_of_every_publishing_broker()
    {
        var entity = await StartEntity("leave");
        var stays = CreateTestProbe();
        var leaves = CreateTestProbe();
        entity.Tell(new RegisterNode("leave", stays.Ref, 1));
        entity.Tell(new RegisterNode("leave", leaves.Ref, 1));
        await stays.ExpectMsgAsync<NodeRegistered>();
        await leaves.ExpectMsgAsync<NodeRegistered>();
        var publisher = CreateTestProbe();
        entity.Tell(new RouteRequest("leave", publisher.Ref));
        Assert.Equal(2, (await publisher.ExpectMsgAsync<Routes>()).Brokers.Length);

        entity.Tell(new UnregisterNode("leave", leaves.Ref));
        Assert.Equal([stays.Ref.Path.ToString()], Paths(await publisher.ExpectMsgAsync<Routes>()));
    }

    [Fact]
    public async Task A_publishing_broker_that_does_not_acknowledge_in_time_loses_its_routes_and_the_registration_is_confirmed()
    {
        var entity = await StartEntity("slow");
        var silent = CreateTestProbe();
        entity.Tell(new RouteRequest("slow", silent.Ref));
        await silent.ExpectMsgAsync<Routes>();

        var subscriber = CreateTestProbe();
        entity.Tell(new RegisterNode("slow", subscriber.Ref, 3));
        await silent.ExpectMsgAsync<Routes>(); // never acknowledged
        await subscriber.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await silent.ExpectMsgAsync<RoutesRevoked>(TimeSpan.FromSeconds(5));
        Assert.Equal(3, (await subscriber.ExpectMsgAsync<NodeRegistered>()).Sequence);

        // Its late acknowledgement does not make it a holder again: its routes are revoked once more.
        entity.Tell(new RoutesAck("slow", 99), silent.Ref);
        await silent.ExpectMsgAsync<RoutesRevoked>();
    }

    [Fact]
    public async Task An_entity_with_subscribed_nodes_stays_and_one_without_passivates_revoking_the_routes()
    {
        var entity = await StartEntity("idle");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("idle", broker.Ref, 1));
        await broker.ExpectMsgAsync<NodeRegistered>();
        var publisher = CreateTestProbe();
        entity.Tell(new RouteRequest("idle", publisher.Ref));
        await publisher.ExpectMsgAsync<Routes>();
        // The parent (the test actor, standing in for the shard) is not asked to passivate while a node subscribes.
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(600));

        entity.Tell(new UnregisterNode("idle", broker.Ref));
        Assert.Empty((await publisher.ExpectMsgAsync<Routes>()).Brokers);
        var passivate = await ExpectMsgAsync<Passivate>(TimeSpan.FromSeconds(5));
        Assert.IsType<PoisonPill>(passivate.StopMessage);
        await publisher.ExpectMsgAsync<RoutesRevoked>();
    }

    [Fact]
    public async Task A_broker_that_dies_is_forgotten_and_leaves_the_routes()
    {
        var entity = await StartEntity("deaths");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("deaths", broker.Ref, 1));
        await broker.ExpectMsgAsync<NodeRegistered>();
        var publisher = CreateTestProbe();
        entity.Tell(new RouteRequest("deaths", publisher.Ref));
        await publisher.ExpectMsgAsync<Routes>();

        Sys.Stop(broker.Ref);
        Assert.Empty((await publisher.ExpectMsgAsync<Routes>()).Brokers);
        // Forgotten: the entity has no node left, so it passivates.
        await ExpectMsgAsync<Passivate>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_restarted_entity_rebuilds_from_the_brokers_and_confirms_registrations_only_once_publishers_have_them()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The node's broker both subscribes and publishes (its routes survived the previous incarnation).
        var entity = ChildActorOf(ChannelEntity.Props("recover", Settings));
        var who = await _nodeBroker.ExpectMsgAsync<WhoSubscribes>();
        var newcomer = CreateTestProbe();
        entity.Tell(new RegisterNode("recover", newcomer.Ref, 4)); // arrives while recovering
        who.Entity.Tell(new SubscriptionReport("recover", _nodeBroker.Ref, Subscribed: true, HoldsRoutes: true), _nodeBroker.Ref);

        // Fresh routes for the holder: the reporting node, then the newcomer once its registration is handled.
        var rebuilt = await _nodeBroker.ExpectMsgAsync<Routes>();
        Assert.Equal([_nodeBroker.Ref.Path.ToString()], Paths(rebuilt));
        var withNewcomer = await _nodeBroker.ExpectMsgAsync<Routes>();
        Assert.Equal(2, withNewcomer.Brokers.Length);
        await newcomer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        entity.Tell(new RoutesAck("recover", withNewcomer.Version), _nodeBroker.Ref);
        Assert.Equal(4, (await newcomer.ExpectMsgAsync<NodeRegistered>()).Sequence);
    }

    [Fact]
    public async Task A_recovering_entity_holds_at_most_the_held_publishes_limit_then_serves_what_it_has()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // No report comes within the test (a minute's recovery timeout): only the stash bound ends the recovery.
        var entity = ChildActorOf(ChannelEntity.Props("busy", Settings with { RecoveryTimeout = TimeSpan.FromMinutes(1), HeldPublishesLimit = 3 }));
        await _nodeBroker.ExpectMsgAsync<WhoSubscribes>();
        var brokers = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToArray();
        for (var i = 0; i < brokers.Length; i++) entity.Tell(new RegisterNode("busy", brokers[i].Ref, i));

        for (var i = 0; i < brokers.Length; i++) Assert.Equal(i, (await brokers[i].ExpectMsgAsync<NodeRegistered>()).Sequence);
    }

    private static readonly ChannelFeatureMap History = new(new Dictionary<string, ChannelFeatures> { ["hist/*"] = new() { HistorySize = 10 } });

    private static HistoryTail Tail(string epoch, long offset) =>
        new(epoch, offset, Enumerable.Range(1, (int)offset).Select(i => new HistoryBuffer.Entry(i, [(byte)i], Environment.TickCount64)).ToArray());

    /// <summary>A history entity continued from this node's copy (epoch e1, offset 2), on a cluster of one (no replica).</summary>
    private async Task<IActorRef> ContinuedHistoryEntity(string channel)
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var entity = ChildActorOf(ChannelEntity.Props(channel, Settings, features: History));
        var who = await _nodeBroker.ExpectMsgAsync<WhoSubscribes>();
        who.Entity.Tell(new SubscriptionReport(channel, _nodeBroker.Ref, Subscribed: true, Tail: Tail("e1", 2)), _nodeBroker.Ref);
        return entity;
    }

    private async Task<HistoryAnswer> HistoryOf(IActorRef entity, string channel)
    {
        var asker = CreateTestProbe();
        entity.Tell(new HistoryQuery(channel, null, 0, 100, asker.Ref, 7));
        return await asker.ExpectMsgAsync<HistoryAnswer>();
    }

    [Fact]
    public async Task A_late_copy_more_advanced_than_the_one_continued_is_taken_in_while_nothing_was_numbered_since()
    {
        var entity = await ContinuedHistoryEntity("hist/late");
        Assert.Equal(("e1", 2L), (await HistoryOf(entity, "hist/late")) is var before ? (before.Epoch, before.Offset) : default);

        // A slow node's broker reports after the entity began to serve: it had offsets 3 and 4 of the same epoch.
        var slow = CreateTestProbe();
        entity.Tell(new SubscriptionReport("hist/late", slow.Ref, Subscribed: true, Tail: Tail("e1", 4)), slow.Ref);
        var after = await HistoryOf(entity, "hist/late");
        Assert.Equal(("e1", 4L, 4), (after.Epoch, after.Offset, after.Frames.Length));

        // The next publish continues from there.
        var publisher = CreateTestProbe();
        entity.Tell(new SequencedPublish("hist/late", "{}"u8.ToArray(), publisher.Ref, 1));
        await publisher.ExpectMsgAsync<PublishAccepted>();
        Assert.Equal(5, (await HistoryOf(entity, "hist/late")).Offset);
    }

    [Fact]
    public async Task A_late_copy_holding_offsets_numbered_again_starts_a_new_epoch_instead_of_giving_an_offset_two_meanings()
    {
        var entity = await ContinuedHistoryEntity("hist/fork");
        var publisher = CreateTestProbe();
        entity.Tell(new SequencedPublish("hist/fork", "{}"u8.ToArray(), publisher.Ref, 1));
        await publisher.ExpectMsgAsync<PublishAccepted>();                  // offset 3 of e1, numbered by this incarnation

        // A late copy also has an offset 3 of e1 (and 4): another publication. Offsets 3 and 4 cannot name both.
        var slow = CreateTestProbe();
        entity.Tell(new SubscriptionReport("hist/fork", slow.Ref, Subscribed: true, Tail: Tail("e1", 4)), slow.Ref);
        var forked = await HistoryOf(entity, "hist/fork");
        Assert.NotEqual("e1", forked.Epoch);
        Assert.Equal((0L, 0), (forked.Offset, forked.Frames.Length));

        entity.Tell(new SequencedPublish("hist/fork", "{}"u8.ToArray(), publisher.Ref, 2));
        await publisher.ExpectMsgAsync<PublishAccepted>();
        var next = await HistoryOf(entity, "hist/fork");
        Assert.Equal((forked.Epoch, 1L), (next.Epoch, next.Offset));

        // A late copy that stops where the history was continued says nothing new: no second restart.
        entity.Tell(new SubscriptionReport("hist/fork", CreateTestProbe().Ref, Subscribed: true, Tail: Tail("e1", 2)));
        Assert.Equal((forked.Epoch, 1L), (await HistoryOf(entity, "hist/fork")) is var same ? (same.Epoch, same.Offset) : default);
    }
}
