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
            await PublishRound(publisher, "leave", round);
            await Task.Delay(5); // pace the load
        }
        var leaving = cluster[1].DisposeAsync().AsTask();
        while (!leaving.IsCompleted || round < 60)
        {
            await PublishRound(publisher, "leave", round++);
            await Task.Delay(5);
        }
        await leaving;
        var last = round - 1;

        // Publishes do not pass through the moving entities: every round arrives once, in order, with no retry.
        await ClusterNodes.Eventually(() => received.ByChannel.Keys.All(c => received.Of(c).LastOrDefault() == last));
        foreach (var channel in received.ByChannel.Keys) Assert.Equal(Enumerable.Range(0, round), received.Of(channel));
    }

    [Fact]
    public async Task A_node_that_leaves_gracefully_hands_its_channels_histories_over_with_their_epochs_and_offsets()
    {
        await using var cluster = new ClusterNodes();
        for (var i = 0; i < 3; i++) await cluster.Add();
        await cluster.UntilMembersUp(3);
        var channels = Enumerable.Range(0, Channels).Select(i => $"hist/handoff/{i}").ToArray();
        foreach (var channel in channels)
            for (var n = 0; n < 3; n++) await cluster[2].Server.Exchange.InvokePublishAsync(channel, n);
        Assert.True(await ClusterNodes.ShardsOn(cluster[1]) > 0, "the leaving node should host channel entities");
        var before = new Dictionary<string, string>();
        foreach (var channel in channels) before[channel] = (await cluster[0].Server.Exchange.HistoryAsync(channel)).Epoch;

        await cluster[1].DisposeAsync();
        foreach (var channel in channels) await cluster[2].Server.Exchange.InvokePublishAsync(channel, 3);

        foreach (var channel in channels)
        {
            var history = await cluster[0].Server.Exchange.HistoryAsync(channel);
            Assert.Equal(before[channel], history.Epoch);
            Assert.Equal([1L, 2, 3, 4], history.Publications.Select(p => p.Offset));
            Assert.Equal([0, 1, 2, 3], history.Publications.Select(p => p.Data.ToElement().GetInt32()));
        }
    }

    [Fact]
    public async Task A_node_crash_costs_publishes_between_survivors_nothing()
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

        var clock = Stopwatch.StartNew();
        await cluster[1].System.Terminate();
        // Publish all through the failover: until the survivors removed the crashed node and moved its shards, and after.
        var survivors = new[] { cluster[0], cluster[2] };
        while (!survivors.All(n => Akka.Cluster.Cluster.Get(n.System).State.Members.Count == 2))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the crashed node was not removed within 60 s");
            await PublishRound(publisher, "crash", round++);
            await Task.Delay(50);
        }
        output.WriteLine($"The crashed node was removed after {clock.Elapsed.TotalSeconds:F1} s; {round} rounds published");
        for (var i = 0; i < 10; i++) await PublishRound(publisher, "crash", round++);

        // Nothing published between the survivors is lost, duplicated or reordered.
        var last = round - 1;
        await ClusterNodes.Eventually(() => received.ByChannel.Keys.All(c => received.Of(c).LastOrDefault() == last));
        foreach (var channel in received.ByChannel.Keys) Assert.Equal(Enumerable.Range(0, round), received.Of(channel));
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
