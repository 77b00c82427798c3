using Akka.Actor;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Protocol;
using Xunit;

namespace AGServer.Tests.Channels;

public sealed class NodeBrokerSpec : Akka.TestKit.Xunit2.TestKit
{
    private sealed class RecordingSubscriber : IChannelSubscriber
    {
        public readonly List<string> Received = new();

        public void Deliver(string channel, byte[] frame)
        {
            lock (Received) Received.Add(System.Text.Encoding.UTF8.GetString(frame));
        }
    }

    private readonly Akka.TestKit.TestProbe _region;
    private readonly IActorRef _broker;

    public NodeBrokerSpec()
    {
        _region = CreateTestProbe();
        _broker = Sys.ActorOf(Props.Create(() => new NodeBroker(_region.Ref, () => JsonCodec.Instance,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, null, Settings)));
    }

    private static readonly ChannelSettings Settings = ChannelSettings.Default with { HeldPublishesLimit = 3 };

    private static Publish PublishOf(string channel, string text, IActorRef? replyTo = null, long correlation = 0) =>
        new(channel, System.Text.Encoding.UTF8.GetBytes(text), replyTo, correlation);

    private static string Text(Deliver deliver) => System.Text.Encoding.UTF8.GetString(deliver.Frame);

    [Fact]
    public async Task A_publish_reaches_local_subscribers_at_once_and_other_nodes_once_the_routes_arrive_in_order()
    {
        var local = new RecordingSubscriber();
        _broker.Tell(new NodeBroker.Subscribe("c", local, null));
        await _region.ExpectMsgAsync<RegisterNode>();

        _broker.Tell(PublishOf("c", "one", TestActor, 1));
        _broker.Tell(PublishOf("c", "two", TestActor, 2));
        Assert.Equal("c", (await _region.ExpectMsgAsync<RouteRequest>()).Channel);
        await AwaitConditionAsync(() => { lock (local.Received) return Task.FromResult(local.Received.Count == 2); });
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // remote copies wait for the routes

        var remote = CreateTestProbe();
        var entity = CreateTestProbe();
        _broker.Tell(new Routes("c", [remote.Ref, _broker], 1), entity.Ref);
        Assert.Equal("one", Text(await remote.ExpectMsgAsync<Deliver>()));
        Assert.Equal("two", Text(await remote.ExpectMsgAsync<Deliver>()));
        Assert.Equal(1, (await ExpectMsgAsync<PublishAccepted>()).Correlation);
        Assert.Equal(2, (await ExpectMsgAsync<PublishAccepted>()).Correlation);
        Assert.Equal(1, (await entity.ExpectMsgAsync<RoutesAck>()).Version);

        _broker.Tell(PublishOf("c", "three"));
        Assert.Equal("three", Text(await remote.ExpectMsgAsync<Deliver>()));
        lock (local.Received) Assert.Equal(["one", "two", "three"], local.Received); // not twice through its own route
    }

    [Fact]
    public async Task A_numbered_publication_that_comes_twice_reaches_the_nodes_subscribers_once()
    {
        var local = new RecordingSubscriber();
        _broker.Tell(new NodeBroker.Subscribe("hist/c", local, null));
        await _region.ExpectMsgAsync<RegisterNode>();
        HistoryDeliver Numbered(long offset, string text, string epoch = "e1", bool replica = false) =>
            new("hist/c", epoch, new HistoryBuffer.Entry(offset, System.Text.Encoding.UTF8.GetBytes(text), Environment.TickCount64), replica);

        _broker.Tell(Numbered(1, "one"));
        _broker.Tell(Numbered(2, "two"));
        _broker.Tell(Numbered(2, "two"));                 // sent again (the entity's next incarnation, around a move)
        _broker.Tell(Numbered(2, "two", replica: true));  // and to this node as the new replica: confirmed all the same
        Assert.Equal(2, (await ExpectMsgAsync<HistoryReplicated>()).Offset);
        _broker.Tell(Numbered(3, "three"));
        _broker.Tell(Numbered(1, "a new epoch", epoch: "e2", replica: true));
        await ExpectMsgAsync<HistoryReplicated>(); // the broker has handled all of the above (it delivers synchronously)
        lock (local.Received) Assert.Equal(["one", "two", "three", "a new epoch"], local.Received);
    }

    [Fact]
    public async Task Routes_follow_their_entity_stale_versions_are_ignored_and_a_revocation_makes_the_broker_ask_again()
    {
        var entity = CreateTestProbe();
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        _broker.Tell(PublishOf("c", "held"));
        await _region.ExpectMsgAsync<RouteRequest>();
        _broker.Tell(new Routes("c", [first.Ref], 2), entity.Ref);
        await first.ExpectMsgAsync<Deliver>();
        _broker.Tell(new Routes("c", [second.Ref], 1), entity.Ref); // older than what it has
        await entity.ExpectMsgAsync<RoutesAck>();
        await entity.ExpectMsgAsync<RoutesAck>();
        _broker.Tell(PublishOf("c", "to first"));
        Assert.Equal("to first", Text(await first.ExpectMsgAsync<Deliver>()));

        // A new incarnation of the entity replaces the routes whatever its version.
        var reborn = CreateTestProbe();
        _broker.Tell(new Routes("c", [second.Ref], 1), reborn.Ref);
        await reborn.ExpectMsgAsync<RoutesAck>();
        _broker.Tell(PublishOf("c", "to second"));
        Assert.Equal("to second", Text(await second.ExpectMsgAsync<Deliver>()));
        await first.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        _broker.Tell(new RoutesRevoked("c"), entity.Ref); // not the authority any more: ignored
        _broker.Tell(PublishOf("c", "still"));
        await second.ExpectMsgAsync<Deliver>();
        _broker.Tell(new RoutesRevoked("c"), reborn.Ref);
        _broker.Tell(PublishOf("c", "asks again"));
        await _region.ExpectMsgAsync<RouteRequest>();
    }

    [Fact]
    public async Task Publishes_waiting_for_routes_are_bounded_and_the_ones_beyond_are_refused()
    {
        for (var i = 0; i < 4; i++) _broker.Tell(PublishOf($"c{i % 2}", $"m{i}", TestActor, i));
        var refused = await ExpectMsgAsync<PublishFailed>();
        Assert.Equal(3, refused.Correlation);
        Assert.Contains("3 publishes already wait", refused.Reason);
    }

    [Fact]
    public async Task A_broker_reports_the_channels_it_holds_routes_for()
    {
        _broker.Tell(PublishOf("published", "x"));
        _broker.Tell(new WhoSubscribes("published", TestActor));
        var report = await ExpectMsgAsync<SubscriptionReport>();
        Assert.Equal((false, true), (report.Subscribed, report.HoldsRoutes));
    }

    [Fact]
    public async Task The_first_local_subscriber_registers_the_node_and_is_acknowledged_once_the_entity_confirms()
    {
        var subscriber = new RecordingSubscriber();
        _broker.Tell(new NodeBroker.Subscribe("c", subscriber, TestActor));
        var register = await _region.ExpectMsgAsync<RegisterNode>();
        Assert.Equal("c", register.Channel);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // not yet confirmed

        _broker.Tell(new NodeRegistered("c", register.Sequence));
        Assert.Equal("c", (await ExpectMsgAsync<NodeBroker.Subscribed>()).Channel);
    }

    [Fact]
    public async Task Later_local_subscribers_do_not_register_again()
    {
        _broker.Tell(new NodeBroker.Subscribe("c", new RecordingSubscriber(), TestActor));
        var register = await _region.ExpectMsgAsync<RegisterNode>();
        _broker.Tell(new NodeRegistered("c", register.Sequence));
        await ExpectMsgAsync<NodeBroker.Subscribed>();

        _broker.Tell(new NodeBroker.Subscribe("c", new RecordingSubscriber(), TestActor));
        await ExpectMsgAsync<NodeBroker.Subscribed>();
        await _region.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task The_last_local_subscriber_leaving_unregisters_the_node()
    {
        var first = new RecordingSubscriber();
        var second = new RecordingSubscriber();
        _broker.Tell(new NodeBroker.Subscribe("c", first, null));
        _broker.Tell(new NodeBroker.Subscribe("c", second, null));
        await _region.ExpectMsgAsync<RegisterNode>();

        _broker.Tell(new NodeBroker.Unsubscribe("c", first, TestActor));
        await ExpectMsgAsync<NodeBroker.Unsubscribed>();
        await _region.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        _broker.Tell(new NodeBroker.Unsubscribe("c", second, TestActor));
        await ExpectMsgAsync<NodeBroker.Unsubscribed>();
        Assert.Equal("c", (await _region.ExpectMsgAsync<UnregisterNode>()).Channel);
    }

    [Fact]
    public async Task A_delivery_reaches_every_local_subscriber_with_the_same_bytes()
    {
        var subscribers = Enumerable.Range(0, 3).Select(_ => new RecordingSubscriber()).ToArray();
        foreach (var s in subscribers) _broker.Tell(new NodeBroker.Subscribe("c", s, null));
        _broker.Tell(new Deliver("c", "frame"u8.ToArray()));
        _broker.Tell(new NodeBroker.Subscribe("other", new RecordingSubscriber(), TestActor)); // a marker: processed after the delivery
        var register = await _region.ExpectMsgAsync<RegisterNode>();
        Assert.Equal("c", register.Channel);
        Assert.Equal("other", (await _region.ExpectMsgAsync<RegisterNode>()).Channel);
        foreach (var s in subscribers) Assert.Equal(["frame"], s.Received);
    }

    [Fact]
    public async Task A_delivery_for_a_channel_without_local_subscribers_unregisters_the_stale_registration()
    {
        _broker.Tell(new Deliver("gone", "frame"u8.ToArray()));
        Assert.Equal("gone", (await _region.ExpectMsgAsync<UnregisterNode>()).Channel);
    }

    [Fact]
    public async Task A_broker_reports_whether_it_has_subscribers_to_a_recovering_entity()
    {
        _broker.Tell(new NodeBroker.Subscribe("c", new RecordingSubscriber(), null));
        _broker.Tell(new WhoSubscribes("c", TestActor));
        Assert.True((await ExpectMsgAsync<SubscriptionReport>()).Subscribed);
        _broker.Tell(new WhoSubscribes("none", TestActor));
        Assert.False((await ExpectMsgAsync<SubscriptionReport>()).Subscribed);
    }

    [Fact]
    public async Task An_answer_to_an_older_registration_does_not_confirm_a_newer_one()
    {
        var subscriber = new RecordingSubscriber();
        _broker.Tell(new NodeBroker.Subscribe("c", subscriber, null));
        var first = await _region.ExpectMsgAsync<RegisterNode>();
        _broker.Tell(new NodeBroker.Unsubscribe("c", subscriber, null));
        await _region.ExpectMsgAsync<UnregisterNode>();
        _broker.Tell(new NodeBroker.Subscribe("c", subscriber, TestActor));
        var second = await _region.ExpectMsgAsync<RegisterNode>();

        _broker.Tell(new NodeRegistered("c", first.Sequence));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        _broker.Tell(new NodeRegistered("c", second.Sequence));
        await ExpectMsgAsync<NodeBroker.Subscribed>();
    }

    private sealed class ThrowingSubscriber : IChannelSubscriber
    {
        public void Deliver(string channel, byte[] frame) => throw new InvalidOperationException("subscriber failed");
    }

    [Fact]
    public async Task A_subscriber_that_throws_costs_only_its_own_copy_and_the_broker_keeps_its_state()
    {
        var good = new RecordingSubscriber();
        _broker.Tell(new NodeBroker.Subscribe("c", new ThrowingSubscriber(), TestActor));
        var register = await _region.ExpectMsgAsync<RegisterNode>();
        _broker.Tell(new NodeRegistered("c", register.Sequence));
        await ExpectMsgAsync<NodeBroker.Subscribed>();
        _broker.Tell(new NodeBroker.Subscribe("c", good, TestActor));
        await ExpectMsgAsync<NodeBroker.Subscribed>(); // registered already: no new registration

        _broker.Tell(new Deliver("c", "\"one\""u8.ToArray()));
        _broker.Tell(new Deliver("c", "\"two\""u8.ToArray()));
        await AwaitConditionAsync(() => { lock (good.Received) return Task.FromResult(good.Received.Count == 2); });
        // Still registered after the failures: a third subscriber needs no new registration.
        _broker.Tell(new NodeBroker.Subscribe("c", new RecordingSubscriber(), TestActor));
        await ExpectMsgAsync<NodeBroker.Subscribed>();
        await _region.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }
}
