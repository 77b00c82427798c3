using AGServer.Tests.Support;
using Xunit;
using static AGServer.Tests.Cluster.ClusterNodes;

namespace AGServer.Tests.Cluster;

/// <summary>
/// The README's one-machine recipe (every node lists node 1 as its only seed) through a restart of node 1: with a
/// data directory it remembers the members and joins the running cluster again instead of forming a second one.
/// </summary>
public sealed class SeedRestartSpec : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("agserver-seed-").FullName;

    [Fact]
    public async Task A_restarted_first_seed_joins_the_cluster_that_went_on_without_it()
    {
        var seedPort = FreePort.Next();
        string[] seedArgs = ["--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}", "--data-dir", _dataDirectory];
        var seed = await TestServer.Start(null, true, null, seedArgs);
        await using var other = await TestServer.Start(null, true, null, "--seed", $"127.0.0.1:{seedPort}");
        await Eventually(() => UpCount(seed) == 2 && UpCount(other) == 2);
        var otherAddress = Akka.Cluster.Cluster.Get(other.System).SelfAddress.ToString();
        await Eventually(() => File.Exists(Path.Combine(_dataDirectory, "members"))
                               && File.ReadAllLines(Path.Combine(_dataDirectory, "members")).Contains(otherAddress));

        await seed.DisposeAsync();                      // SIGTERM: it leaves; the other node goes on alone
        await Eventually(() => UpCount(other) == 1);

        await using var restarted = await TestServer.Start(null, true, null, seedArgs);
        // One cluster of two again, not two clusters of one.
        await Eventually(() => UpCount(restarted) == 2 && UpCount(other) == 2);
        Assert.Contains(Akka.Cluster.Cluster.Get(other.System).State.Members, m => m.Address == Akka.Cluster.Cluster.Get(restarted.System).SelfAddress);
    }

    private static int UpCount(TestServer node) =>
        Akka.Cluster.Cluster.Get(node.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
