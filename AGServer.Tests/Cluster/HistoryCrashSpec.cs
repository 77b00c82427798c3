using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>
/// Channels with history through a crash of the node that hosts some of their entities (three nodes in one process,
/// <c>hist/*</c> as the Conformance app configures it): no acknowledged publication is lost, the epoch is kept, every
/// publish made during the outage is delivered or answered with an error, and subscribers see no gap and no duplicate.
/// </summary>
public sealed class HistoryCrashSpec(ITestOutputHelper output)
{
    private const int Channels = 20;

    private readonly record struct Publication(string Epoch, long Offset, int Value);

    [Fact]
    public async Task A_crash_of_an_entitys_node_keeps_the_epoch_and_every_acknowledged_publication()
    {
        await using var cluster = new ClusterNodes();
        await cluster.Add();
        await cluster.Add(ClusterNodes.Crashable);
        await cluster.Add();
        await cluster.UntilMembersUp(3);
        var channels = Enumerable.Range(0, Channels).Select(i => $"hist/crash/{i}").ToArray();

        // Subscribers on node 0: every publication as it arrives.
        var received = new ConcurrentDictionary<string, List<Publication>>();
        foreach (var name in channels)
        {
            var list = received[name] = [];
            var channel = cluster[0].Server.Exchange.Subscribe(name);
            _ = channel.Source.RunForeach(data =>
            {
                var element = data.ToElement();
                lock (list) list.Add(new Publication(element.GetProperty("epoch").GetString()!, element.GetProperty("offset").GetInt64(),
                    element.GetProperty("data").GetInt32()));
            }, cluster[0].Server.Materializer);
            await channel.WhenSubscribed.WaitAsync(TimeSpan.FromSeconds(20));
        }

        var publisher = cluster[2].Server.Exchange;
        var acknowledged = channels.ToDictionary(c => c, _ => new List<int>());
        var failed = 0;
        var value = 0;
        async Task Round()
        {
            var round = value++;
            await Task.WhenAll(channels.Select(async channel =>
            {
                try
                {
                    await publisher.InvokePublishAsync(channel, round);
                    lock (acknowledged) acknowledged[channel].Add(round);
                }
                catch (BrokerError)
                {
                    Interlocked.Increment(ref failed);     // answered with an error: allowed, never silence
                }
            }));
        }

        for (var i = 0; i < 5; i++) await Round();
        var epochs = new Dictionary<string, string>();
        foreach (var channel in channels) epochs[channel] = (await cluster[0].Server.Exchange.HistoryAsync(channel)).Epoch;
        Assert.True(await ClusterNodes.ShardsOn(cluster[1]) > 0, "the crashing node should host channel entities");

        var clock = Stopwatch.StartNew();
        await cluster[1].System.Terminate();
        var survivors = new[] { cluster[0], cluster[2] };
        while (!survivors.All(n => Akka.Cluster.Cluster.Get(n.System).State.Members.Count == 2))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the crashed node was not removed within 60 s");
            await Round();
        }
        output.WriteLine($"Removed after {clock.Elapsed.TotalSeconds:F1} s; {value} rounds, {failed} publishes answered with an error");
        for (var i = 0; i < 5; i++) await Round();

        var last = value - 1;
        await ClusterNodes.Eventually(() => channels.All(c => Snapshot(received[c]).Any(p => p.Value == last)));
        foreach (var channel in channels)
        {
            var got = Snapshot(received[channel]);
            // The same epoch throughout, offsets one after another from 1: no gap, no duplicate, nothing renumbered.
            Assert.All(got, p => Assert.Equal(epochs[channel], p.Epoch));
            Assert.Equal(Enumerable.Range(1, got.Count).Select(o => (long)o), got.Select(p => p.Offset));
            Assert.Equal(got.Count, got.Select(p => p.Value).Distinct().Count());
            // Every acknowledged publish arrived, in the order it was made.
            List<int> acked;
            lock (acknowledged) acked = acknowledged[channel].ToList();
            Assert.Equal(acked, got.Select(p => p.Value).Where(acked.Contains));
            Assert.Equal(got.Select(p => p.Value).Order(), got.Select(p => p.Value));

            var history = await cluster[0].Server.Exchange.HistoryAsync(channel);
            Assert.Equal(epochs[channel], history.Epoch);
            Assert.Equal(got.Select(p => p.Offset), history.Publications.Select(p => p.Offset));
        }
    }

    private static List<Publication> Snapshot(List<Publication> list)
    {
        lock (list) return list.ToList();
    }
}
