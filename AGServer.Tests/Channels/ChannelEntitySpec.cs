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
    private static readonly ChannelSettings Settings = new(10, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2));

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

    private static Publish PublishOf(string channel, string text, IActorRef? replyTo = null, long correlation = 0) =>
        new(channel, System.Text.Encoding.UTF8.GetBytes(text), replyTo, correlation);

    [Fact]
    public async Task A_registered_node_receives_every_publish_once_in_order()
    {
        var entity = await StartEntity("news");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("news", broker.Ref, 7));
        Assert.Equal(7, (await broker.ExpectMsgAsync<NodeRegistered>()).Sequence);

        for (var i = 0; i < 3; i++) entity.Tell(PublishOf("news", $"m{i}"));
        for (var i = 0; i < 3; i++)
            Assert.Equal($"m{i}", System.Text.Encoding.UTF8.GetString((await broker.ExpectMsgAsync<Deliver>()).Frame));
        await broker.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_publish_with_a_reply_address_is_acknowledged_once_forwarded()
    {
        var entity = await StartEntity("acks");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("acks", broker.Ref, 1));
        await broker.ExpectMsgAsync<NodeRegistered>();

        entity.Tell(PublishOf("acks", "x", TestActor, 42));
        await broker.ExpectMsgAsync<Deliver>();
        Assert.Equal(42, (await ExpectMsgAsync<PublishAccepted>()).Correlation);
    }

    [Fact]
    public async Task An_unregistered_node_receives_nothing_more()
    {
        var entity = await StartEntity("leave");
        var stays = CreateTestProbe();
        var leaves = CreateTestProbe();
        entity.Tell(new RegisterNode("leave", stays.Ref, 1));
        entity.Tell(new RegisterNode("leave", leaves.Ref, 1));
        await stays.ExpectMsgAsync<NodeRegistered>();
        await leaves.ExpectMsgAsync<NodeRegistered>();

        entity.Tell(new UnregisterNode("leave", leaves.Ref));
        entity.Tell(PublishOf("leave", "after"));
        await stays.ExpectMsgAsync<Deliver>();
        await leaves.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task An_entity_with_subscribed_nodes_stays_and_one_without_passivates()
    {
        var entity = await StartEntity("idle");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("idle", broker.Ref, 1));
        await broker.ExpectMsgAsync<NodeRegistered>();
        // The parent (the test actor, standing in for the shard) is not asked to passivate while a node subscribes.
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(600));

        entity.Tell(new UnregisterNode("idle", broker.Ref));
        var passivate = await ExpectMsgAsync<Passivate>(TimeSpan.FromSeconds(5));
        Assert.IsType<PoisonPill>(passivate.StopMessage);
    }

    [Fact]
    public async Task A_broker_that_dies_is_forgotten()
    {
        var entity = await StartEntity("deaths");
        var broker = CreateTestProbe();
        entity.Tell(new RegisterNode("deaths", broker.Ref, 1));
        await broker.ExpectMsgAsync<NodeRegistered>();
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));

        Sys.Stop(broker.Ref);
        // Forgotten: the entity has no node left, so it passivates.
        await ExpectMsgAsync<Passivate>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_restarted_entity_recovers_registrations_from_the_brokers_and_holds_publishes_meanwhile()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var entity = ChildActorOf(ChannelEntity.Props("recover", Settings));
        var who = await _nodeBroker.ExpectMsgAsync<WhoSubscribes>();
        entity.Tell(PublishOf("recover", "held")); // arrives while recovering
        who.Entity.Tell(new SubscriptionReport("recover", _nodeBroker.Ref, true));

        Assert.Equal("held", System.Text.Encoding.UTF8.GetString((await _nodeBroker.ExpectMsgAsync<Deliver>()).Frame));
    }
}
