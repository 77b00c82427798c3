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
        _broker = Sys.ActorOf(Props.Create(() => new NodeBroker(_region.Ref, () => JsonCodec.Instance, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)));
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
