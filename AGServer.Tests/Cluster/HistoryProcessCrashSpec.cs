using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>
/// A crash seen from outside: three Conformance processes, a stock client publishing on twelve <c>hist/</c> channels
/// every 300 ms and stock clients on every node following them with the README's loop; one node is killed (SIGKILL)
/// while publishing goes on, then started again. Every acknowledged publication reaches every follower (the killed
/// node's followers recover once it is back), in the same epoch, with no gap, no duplicate and no <c>unrecoverable</c>
/// notice; every publish made during the outage is answered, by an acknowledgement or by the server's error.
/// </summary>
public sealed class HistoryProcessCrashSpec(ITestOutputHelper output)
{
    private const int Nodes = 3;
    private static readonly string[] Channels = Enumerable.Range(0, 12).Select(i => $"hist/crash/{i}").ToArray();

    [Fact]
    public async Task Killing_a_node_loses_no_acknowledged_publication_on_channels_with_history_and_answers_every_publish()
    {
        var httpPorts = Enumerable.Range(0, Nodes).Select(_ => FreePort.Next()).ToArray();
        var clusterPorts = Enumerable.Range(0, Nodes).Select(_ => FreePort.Next()).ToArray();
        string[] Args(int i) =>
            ["--port", httpPorts[i].ToString(), "--cluster-port", clusterPorts[i].ToString(),
             .. clusterPorts.SelectMany(port => new[] { "--seed", $"127.0.0.1:{port}" })];

        var nodes = new NodeProcess[Nodes];
        var killedLog = "";
        for (var i = 0; i < Nodes; i++) nodes[i] = await NodeProcess.Start(Args(i));
        try
        {
            foreach (var node in nodes) await HistoryFollowers.Ready(node, members: Nodes);
            await using var js = await JsClients.Start(httpPorts[0]);
            var followers = new HistoryFollowers(js, Channels, Nodes, output);
            await followers.StartAsync(httpPorts, publisherPort: httpPorts[0], intervalMs: 300);
            await followers.EveryFollowerGetsMore(3);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            nodes[2].Crash();
            killedLog = nodes[2].Output;
            await followers.EveryFollowerGetsMore(10, 0, 1); // the survivors' followers go on, through the removal
            output.WriteLine($"survivors' followers had 10 more {clock.Elapsed.TotalSeconds:F1} s after the kill");
            nodes[2] = await NodeProcess.Start(Args(2));
            await HistoryFollowers.Ready(nodes[2], members: Nodes);
            output.WriteLine($"the killed node was ready in the cluster again {clock.Elapsed.TotalSeconds:F1} s after the kill");
            await followers.EveryFollowerGetsMore(3);

            var errors = await followers.StopAndCheckEveryFollower("SIGKILL of one node of three");
            Assert.DoesNotContain("TimeoutError", errors); // every publish is answered by the server
        }
        catch
        {
            HistoryFollowers.WriteHistoryLogs(output, [killedLog, .. nodes.Select(node => node?.Output ?? "")]);
            throw;
        }
        finally
        {
            foreach (var node in nodes) if (node is not null) await node.DisposeAsync();
        }
    }
}
