using Akka.Actor;
using Akka.Cluster.Sharding;
using AGServer.Tests.Actors;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Cluster;

/// <summary>The README's persisted Room keeps every room's state when a second node joins and sharding moves rooms to it.</summary>
public sealed class RoomScaleOutSpec : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"agserver-rooms-{Guid.NewGuid():N}.db");

    /// <summary>Both nodes journal to one SQLite file (Akka.Persistence.Sql), as a cluster would to one database: the sample's journal.</summary>
    private string Journal => GameRoom.Rooms.Journal(_database);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_room_keeps_its_moves_when_the_cluster_scales_out_from_one_node_to_two()
    {
        await using var cluster = new ClusterNodes();
        var one = await cluster.Add(Journal);
        await cluster.UntilMembersUp(1);
        RoomSetup.Start(one.Server);
        await using var js = await JsClients.Start(one.Port);
        await js.Connect("ann");
        var rooms = Enumerable.Range(0, 30).Select(i => $"room-{i}").ToArray();
        foreach (var room in rooms)
            Assert.Equal(1, (await js.Invoke("ann", "move", new { room, x = 1, y = 1 }))!["moves"]!.GetValue<int>());

        var two = await cluster.Add(Journal);
        await cluster.UntilMembersUp(2);
        RoomSetup.Start(two.Server);
        // Sharding rebalances rooms onto the new node (every rebalance-interval, a few shards at a time).
        await ClusterNodes.Eventually(() => RoomShardsOn(two) >= 3, seconds: 60);

        foreach (var room in rooms)
            Assert.Equal(2, (await js.Invoke("ann", "move", new { room, x = 2, y = 2 }))!["moves"]!.GetValue<int>());
    }

    private static int RoomShardsOn(TestServer node)
    {
        var region = ClusterSharding.Get(node.System).ShardRegion("room");
        return region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult().Shards.Count;
    }
}
