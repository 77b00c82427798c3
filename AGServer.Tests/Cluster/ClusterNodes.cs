using Akka.Actor;
using Akka.Cluster.Sharding;
using AGServer.Tests.Support;

namespace AGServer.Tests.Cluster;

/// <summary>Several nodes (each its own actor system and Kestrel) in this process, forming one cluster.</summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    /// <summary>A node that can crash: terminating its actor system does not leave the cluster first.</summary>
    public const string Crashable = """
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.run-coordinated-shutdown-when-down = off
        """;

    private readonly List<TestServer> _nodes = new();
    private readonly int _seedPort = FreePort.Next();

    public IReadOnlyList<TestServer> Nodes => _nodes;

    public TestServer this[int index] => _nodes[index];

    /// <summary>Starts a node; the first one is the seed.</summary>
    public async Task<TestServer> Add(string? extraHocon = null)
    {
        string[] args = _nodes.Count == 0
            ? ["--cluster-port", _seedPort.ToString(), "--seed", $"127.0.0.1:{_seedPort}"]
            : ["--seed", $"127.0.0.1:{_seedPort}"];
        var node = await TestServer.Start(null, true, extraHocon, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits until every node sees <paramref name="count"/> members up.</summary>
    public Task UntilMembersUp(int count, IEnumerable<TestServer>? among = null) =>
        Eventually(() => (among ?? _nodes).All(n =>
            Akka.Cluster.Cluster.Get(n.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == count
            && Akka.Cluster.Cluster.Get(n.System).State.Unreachable.Count == 0));

    /// <summary>How many channel shards a node hosts now.</summary>
    public static async Task<int> ShardsOn(TestServer node)
    {
        var region = ClusterSharding.Get(node.System).ShardRegion("agserver-channel");
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        return state.Shards.Count;
    }

    /// <summary>Polls a condition until it holds (cluster state has no event to await for these).</summary>
    public static async Task Eventually(Func<bool> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The cluster did not reach the expected state");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
    }
}
