using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>
/// A rolling restart of three Conformance processes, as an operator does it (each node in turn: SIGTERM, start
/// again, ready), in each recipe of the README (fixed seeds, and discovery by contact points), while a stock client publishes on six <c>hist/</c> channels
/// every 300 ms (a client away for its node's restart, which takes 4 to 17 s here, misses fewer than the 100
/// publications the history keeps) and stock clients on every node follow them with the README's loop: no acknowledged publication is lost, no publication is sent twice at
/// a recovery seam, every publish is answered, the epoch is kept, and the restarted node joins the same cluster.
/// </summary>
public sealed class RollingRestartSpec(ITestOutputHelper output) : IDisposable
{
    private const int Nodes = 3;
    private static readonly string[] Channels = Enumerable.Range(0, 6).Select(i => $"hist/roll/{i}").ToArray();
    private readonly string _data = Directory.CreateTempSubdirectory("agserver-roll-").FullName;

    public static TheoryData<string> Recipes => new()
    {
        "every seed listed on every node", "one seed listed everywhere, with --data-dir", "discovery by contact points",
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public async Task A_rolling_restart_loses_and_repeats_nothing_on_channels_with_history(string recipe)
    {
        var httpPorts = Enumerable.Range(0, Nodes).Select(_ => FreePort.Next()).ToArray();
        var clusterPorts = Enumerable.Range(0, Nodes).Select(_ => FreePort.Next()).ToArray();
        string[] Args(int i)
        {
            var args = new List<string> { "--port", httpPorts[i].ToString(), "--cluster-port", clusterPorts[i].ToString() };
            if (recipe.StartsWith("every", StringComparison.Ordinal))
                foreach (var port in clusterPorts) args.AddRange(["--seed", $"127.0.0.1:{port}"]);
            else if (recipe.StartsWith("one", StringComparison.Ordinal))
                args.AddRange(["--seed", $"127.0.0.1:{clusterPorts[0]}", "--data-dir", Path.Combine(_data, i.ToString())]);
            else
                foreach (var port in httpPorts) args.AddRange(["--contact-point", $"127.0.0.1:{port}"]);
            return args.ToArray();
        }

        var nodes = new NodeProcess[Nodes];
        var stoppedLogs = new List<string>();
        // Started together: with contact points a node starts serving once it has found the others.
        (await Task.WhenAll(Enumerable.Range(0, Nodes).Select(i => NodeProcess.Start(Args(i))))).CopyTo(nodes, 0);
        try
        {
            foreach (var node in nodes) await HistoryFollowers.Ready(node, members: Nodes);
            await using var js = await JsClients.Start(httpPorts[0]);
            var followers = new HistoryFollowers(js, Channels, Nodes, output);
            await followers.StartAsync(httpPorts, publisherPort: httpPorts[1], intervalMs: 300);
            await followers.EveryFollowerGetsMore(3); // some publications before the first restart

            for (var i = 0; i < Nodes; i++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await nodes[i].Terminate();
                var stopped = clock.Elapsed;
                stoppedLogs.Add(nodes[i].Output);
                nodes[i] = await NodeProcess.Start(Args(i));
                await HistoryFollowers.Ready(nodes[i], members: Nodes);
                output.WriteLine($"node {i}: stopped after {stopped.TotalSeconds:F1} s, ready in the cluster of {Nodes} {(clock.Elapsed - stopped).TotalSeconds:F1} s later");
                await followers.EveryFollowerGetsMore(3); // publishing reaches every follower again before the next restart
            }

            var errors = await followers.StopAndCheckEveryFollower(recipe);
            Assert.DoesNotContain("TimeoutError", errors); // every publish is answered by the server
        }
        catch
        {
            HistoryFollowers.WriteHistoryLogs(output, [.. stoppedLogs, .. nodes.Select(node => node?.Output ?? "")]);
            throw;
        }
        finally
        {
            foreach (var node in nodes) if (node is not null) await node.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
