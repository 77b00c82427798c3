using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Streams.Dsl;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>
/// Three nodes in one process: channels keep working while nodes leave, crash and join. Subscribers are exchange
/// subscriptions on node 0; a publisher on another node publishes numbered rounds on many channels, so that some
/// channel entities certainly live on the node that goes away.
/// </summary>
public sealed class ClusterSpec(ITestOutputHelper output)
{
    private const int Channels = 30;

    /// <summary>Messages received per channel, in arrival order.</summary>
    private sealed class Received
    {
        public readonly ConcurrentDictionary<string, List<int>> ByChannel = new();

        public async Task SubscribeAll(TestServer node, string prefix)
        {
            for (var i = 0; i < Channels; i++)
            {
                var name = $"{prefix}/{i}";
                var list = ByChannel.GetOrAdd(name, _ => new List<int>());
                var channel = node.Server.Exchange.Subscribe(name);
                _ = channel.Source.RunForeach(data =>
                {
                    lock (list) list.Add(data.ToElement().GetInt32());
                }, node.Server.Materializer);
                await channel.WhenSubscribed.WaitAsync(TimeSpan.FromSeconds(20));
            }
        }

        public List<int> Of(string channel)
        {
            var list = ByChannel[channel];
            lock (list) return list.ToList();
        }
    }

    private static async Task PublishRound(TestServer node, string prefix, int round)
    {
        for (var i = 0; i < Channels; i++) await node.Server.Exchange.TransmitPublishAsync($"{prefix}/{i}", round);
    }

    /// <summary>
    /// Publishes a round with acknowledged publishes, sent again when not acknowledged. Sharding is at-most-once while
    /// a shard is handed off (a message already on its way to the old home when the hand-off began is dropped by the
    /// stopping shard: akkadotnet/akka.net#8501), so a publisher that must lose nothing across a leave waits for the
    /// acknowledgement, as InvokePublish gives it.
    /// </summary>
    private static async Task PublishRoundAcknowledged(TestServer node, string prefix, int round)
    {
        await Task.WhenAll(Enumerable.Range(0, Channels).Select(async i =>
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await node.Server.Exchange.InvokePublishAsync($"{prefix}/{i}", round);
                    return;
                }
                catch (Exception) when (attempt < 3)
                {
                }
            }
        }));
    }

    [Fact]
    public async Task A_node_that_leaves_gracefully_hands_off_its_channels_without_losing_messages()
    {
        await using var cluster = new ClusterNodes();
        for (var i = 0; i < 3; i++) await cluster.Add();
        await cluster.UntilMembersUp(3);
        var received = new Received();
        await received.SubscribeAll(cluster[0], "leave");
        Assert.True(await ClusterNodes.ShardsOn(cluster[1]) > 0, "the leaving node should host channel entities");

        var publisher = cluster[2];
        var round = 0;
        for (; round < 30; round++)
        {
            await PublishRoundAcknowledged(publisher, "leave", round);
            await Task.Delay(5); // pace the load
        }
        var leaving = cluster[1].DisposeAsync().AsTask();
        while (!leaving.IsCompleted || round < 60)
        {
            await PublishRoundAcknowledged(publisher, "leave", round++);
            await Task.Delay(5);
        }
        await leaving;
        var last = round - 1;

        // Every round arrives, in order; a round sent again because its acknowledgement was lost may arrive twice.
        await ClusterNodes.Eventually(() => received.ByChannel.Keys.All(c => received.Of(c).LastOrDefault() == last));
        foreach (var channel in received.ByChannel.Keys)
            Assert.Equal(Enumerable.Range(0, round), received.Of(channel).Distinct());
    }

    [Fact]
    public async Task After_a_node_crashes_publishes_reach_every_surviving_subscriber_again()
    {
        await using var cluster = new ClusterNodes();
        await cluster.Add();
        await cluster.Add(ClusterNodes.Crashable);
        await cluster.Add();
        await cluster.UntilMembersUp(3);
        var received = new Received();
        await received.SubscribeAll(cluster[0], "crash");
        Assert.True(await ClusterNodes.ShardsOn(cluster[1]) > 0, "the crashing node should host channel entities");

        var publisher = cluster[2];
        var round = 0;
        for (; round < 10; round++) await PublishRound(publisher, "crash", round);
        await ClusterNodes.Eventually(() => received.ByChannel.Keys.All(c => received.Of(c).Contains(9)));

        var crashRound = round;
        var clock = Stopwatch.StartNew();
        await cluster[1].System.Terminate();
        // Keep publishing until every channel got a message published after the crash.
        while (!received.ByChannel.Keys.All(c => received.Of(c).Any(n => n >= crashRound)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "delivery did not resume within 60 s");
            await PublishRound(publisher, "crash", round++);
            await Task.Delay(100);
        }
        output.WriteLine($"Delivery on every channel resumed {clock.Elapsed.TotalSeconds:F1} s after the crash");

        // From then on nothing is lost and order holds.
        var resumed = round;
        for (var i = 0; i < 20; i++) await PublishRound(publisher, "crash", round++);
        var final = round - 1;
        await ClusterNodes.Eventually(() => received.ByChannel.Keys.All(c => received.Of(c).LastOrDefault() == final));
        foreach (var channel in received.ByChannel.Keys)
        {
            var list = received.Of(channel);
            Assert.Equal(list.Order(), list);
            Assert.Equal(list.Distinct(), list);
            Assert.Equal(Enumerable.Range(resumed, final - resumed + 1), list.Where(n => n >= resumed));
        }
    }

    [Fact]
    public async Task A_node_that_joins_takes_over_shards_and_delivery_goes_on()
    {
        await using var cluster = new ClusterNodes();
        await cluster.Add();
        await cluster.Add();
        await cluster.UntilMembersUp(2);
        var received = new Received();
        await received.SubscribeAll(cluster[0], "rebalance");
        var round = 0;
        for (; round < 10; round++) await PublishRound(cluster[1], "rebalance", round);

        var joined = await cluster.Add();
        await cluster.UntilMembersUp(3);
        var clock = Stopwatch.StartNew();
        while (await ClusterNodes.ShardsOn(joined) == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no shard moved to the new node");
            await PublishRound(cluster[1], "rebalance", round++);
            await Task.Delay(100);
        }
        output.WriteLine($"The new node took over {await ClusterNodes.ShardsOn(joined)} shards after {clock.Elapsed.TotalSeconds:F1} s");

        for (var i = 0; i < 10; i++) await PublishRound(joined, "rebalance", round++);
        var last = round - 1;
        await ClusterNodes.Eventually(() => received.ByChannel.Keys.All(c => received.Of(c).LastOrDefault() == last));
        foreach (var channel in received.ByChannel.Keys)
            Assert.Equal(received.Of(channel).Distinct(), received.Of(channel));
    }
}
