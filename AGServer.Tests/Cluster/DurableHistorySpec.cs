using AGServer.Tests.Support;
using Xunit;
using static AGServer.Tests.Cluster.ClusterNodes;

namespace AGServer.Tests.Cluster;

/// <summary>
/// Histories in the journal (<c>--history-journal</c>): stopping and starting every node keeps each channel's
/// publications, epoch and offsets, and publishing goes on from the next offset.
/// </summary>
public sealed class DurableHistorySpec(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agserver-history-").FullName;

    [Fact]
    public async Task With_SQLite_a_restarted_node_keeps_its_histories_and_goes_on_from_the_next_offset()
    {
        string[] args = ["--data-dir", _dataDirectory, "--history-journal", "sqlite"];
        var channels = new[] { "hist/durable/a", "hist/durable/b" };
        Dictionary<string, string> epochs;
        await using (var node = await TestServer.Start(null, true, null, args))
        {
            foreach (var channel in channels)
                for (var n = 0; n < 3; n++) await node.Server.Exchange.InvokePublishAsync(channel, n);
            // More than the history keeps (100): the oldest go, in memory and in the store.
            for (var n = 3; n < 130; n++) await node.Server.Exchange.InvokePublishAsync(channels[1], n);
            epochs = await Epochs(node, channels);
        }

        await using var restarted = await TestServer.Start(null, true, null, args);
        var a = await restarted.Server.Exchange.HistoryAsync(channels[0]);
        Assert.Equal((epochs[channels[0]], 3L), (a.Epoch, a.Offset));
        Assert.Equal([0, 1, 2], a.Publications.Select(p => p.Data.ToElement().GetInt32()));
        var b = await restarted.Server.Exchange.HistoryAsync(channels[1]);
        Assert.Equal((epochs[channels[1]], 130L), (b.Epoch, b.Offset));
        Assert.Equal(Enumerable.Range(31, 100).Select(o => (long)o), b.Publications.Select(p => p.Offset));

        await restarted.Server.Exchange.InvokePublishAsync(channels[0], 3);
        var after = await restarted.Server.Exchange.HistoryAsync(channels[0]);
        Assert.Equal((epochs[channels[0]], 4L), (after.Epoch, after.Offset));
    }

    [Fact]
    public async Task With_PostgreSQL_stopping_and_starting_every_node_of_a_cluster_keeps_every_history()
    {
        var connection = await postgres.NewDatabaseAsync();
        var seedPort = FreePort.Next();
        string[] journal = ["--history-journal", "postgresql", "--history-connection", connection];
        string[] seedArgs = ["--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}", .. journal];
        string[] otherArgs = ["--seed", $"127.0.0.1:{seedPort}", .. journal];
        var channels = Enumerable.Range(0, 12).Select(i => $"hist/pg/{i}").ToArray();

        Dictionary<string, string> epochs;
        {
            await using var one = await TestServer.Start(null, true, null, seedArgs);
            await using var two = await TestServer.Start(null, true, null, otherArgs);
            await Eventually(() => Up(one) == 2 && Up(two) == 2);
            foreach (var channel in channels)
                for (var n = 0; n < 3; n++) await two.Server.Exchange.InvokePublishAsync(channel, n);
            Assert.True(await ShardsOn(one) > 0 && await ShardsOn(two) > 0, "both nodes should host channel entities");
            epochs = await Epochs(one, channels);
        }

        await using var oneAgain = await TestServer.Start(null, true, null, seedArgs);
        await using var twoAgain = await TestServer.Start(null, true, null, otherArgs);
        await Eventually(() => Up(oneAgain) == 2 && Up(twoAgain) == 2);
        foreach (var channel in channels)
        {
            var history = await oneAgain.Server.Exchange.HistoryAsync(channel);
            Assert.Equal((epochs[channel], 3L), (history.Epoch, history.Offset));
            Assert.Equal([0, 1, 2], history.Publications.Select(p => p.Data.ToElement().GetInt32()));
            await twoAgain.Server.Exchange.InvokePublishAsync(channel, 3);
            Assert.Equal(4L, (await twoAgain.Server.Exchange.HistoryAsync(channel)).Offset);
        }
    }

    private static async Task<Dictionary<string, string>> Epochs(TestServer node, IEnumerable<string> channels)
    {
        var epochs = new Dictionary<string, string>();
        foreach (var channel in channels) epochs[channel] = (await node.Server.Exchange.HistoryAsync(channel)).Epoch;
        return epochs;
    }

    private static int Up(TestServer node) =>
        Akka.Cluster.Cluster.Get(node.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
