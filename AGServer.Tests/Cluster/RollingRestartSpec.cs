using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>
/// A rolling restart of three Conformance processes, as an operator does it (each node in turn: SIGTERM, start
/// again, ready), in each fixed-seed recipe of the README, while a stock client publishes on six <c>hist/</c> channels
/// every 300 ms (a client away for its node's restart, which takes 4 to 17 s here, misses fewer than the 100
/// publications the history keeps) and stock clients on every node follow them with the README's loop: no acknowledged publication is lost, no publication is sent twice at
/// a recovery seam, every publish is answered, the epoch is kept, and the restarted node joins the same cluster.
/// </summary>
public sealed class RollingRestartSpec(ITestOutputHelper output) : IDisposable
{
    private const int Nodes = 3;
    private static readonly string[] Channels = Enumerable.Range(0, 6).Select(i => $"hist/roll/{i}").ToArray();
    private readonly string _data = Directory.CreateTempSubdirectory("agserver-roll-").FullName;

    public static TheoryData<string> Recipes => new() { "every seed listed on every node", "one seed listed everywhere, with --data-dir" };

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
            else args.AddRange(["--seed", $"127.0.0.1:{clusterPorts[0]}", "--data-dir", Path.Combine(_data, i.ToString())]);
            return args.ToArray();
        }

        var nodes = new NodeProcess[Nodes];
        nodes[0] = await NodeProcess.Start(Args(0));
        for (var i = 1; i < Nodes; i++) nodes[i] = await NodeProcess.Start(Args(i));
        try
        {
            foreach (var port in httpPorts) await Ready(port, members: Nodes);
            await using var js = await JsClients.Start(httpPorts[0]);
            // Clients reconnect quickly to their own node once it is back (the stock client's default waits 10-20 s).
            var reconnect = new { autoReconnectOptions = new { initialDelay = 200, randomness = 200, multiplier = 1.5, maxDelay = 1000 } };
            for (var i = 0; i < Nodes; i++)
            {
                await js.Connect($"f{i}", reconnect, httpPorts[i]);
                foreach (var channel in Channels) await js.Call("follow", new { client = $"f{i}", channel });
            }
            await js.Connect("publisher", reconnect, httpPorts[1]);
            await js.Call("publishLoop", new { client = "publisher", channels = Channels, intervalMs = 300 });
            await EveryFollowerGetsMore(js, 3); // some publications before the first restart

            for (var i = 0; i < Nodes; i++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await nodes[i].Terminate();
                var stopped = clock.Elapsed;
                nodes[i] = await NodeProcess.Start(Args(i));
                await Ready(httpPorts[i], members: Nodes);
                output.WriteLine($"node {i}: stopped after {stopped.TotalSeconds:F1} s, ready in the cluster of {Nodes} {(clock.Elapsed - stopped).TotalSeconds:F1} s later");
                await EveryFollowerGetsMore(js, 3); // publishing reaches every follower again before the next restart
            }

            var result = (await js.Call("stopLoop", new { client = "publisher" }, TimeSpan.FromSeconds(30)))!;
            var rounds = result["sent"]!.GetValue<int>();
            var failed = result["failed"]!.AsArray().Select(f => (f!["channel"]!.GetValue<string>(), f["n"]!.GetValue<int>())).ToHashSet();
            output.WriteLine($"{recipe}: {rounds} rounds on {Channels.Length} channels, {failed.Count} publishes answered with an error " +
                             $"({string.Join(", ", result["failed"]!.AsArray().Select(f => f!["error"]?["name"]?.GetValue<string>()).Distinct())})");
            foreach (var channel in Channels)
            {
                var acked = Enumerable.Range(0, rounds).Where(n => !failed.Contains((channel, n))).ToHashSet();
                Assert.NotEmpty(acked);
                for (var i = 0; i < Nodes; i++)
                {
                    var client = $"f{i}";
                    var last = acked.Max();
                    JsonObject state = null!;
                    await ClusterNodes.Eventually(() =>
                    {
                        state = js.Call("followed", new { client, channel }).GetAwaiter().GetResult()!.AsObject();
                        return state["items"]!.AsArray().Any(item => item!["data"]?["n"]?.GetValue<int>() == last);
                    });
                    var items = state["items"]!.AsArray();
                    var marker = items.Select((item, at) => (item, at)).FirstOrDefault(x => x.item!["unrecoverable"] is not null);
                    if (marker.item is not null)
                        output.WriteLine($"{client} {channel}: {marker.item.ToJsonString()} after {items[Math.Max(0, marker.at - 1)]!.ToJsonString()}");
                    Assert.DoesNotContain(items, item => item!["unrecoverable"] is not null);
                    var got = items.Select(item => item!["data"]!["n"]!.GetValue<int>()).ToList();
                    Assert.Equal(got.Count, got.Distinct().Count());
                    Assert.Empty(acked.Except(got));                                   // every acknowledged one arrived
                    Assert.Single(items.Select(item => item!["epoch"]!.GetValue<string>()).Distinct());
                    var raw = state["raw"]!.AsArray().Select(m => (m!["epoch"]?.GetValue<string>(), m["offset"]?.GetValue<long>())).ToList();
                    Assert.Equal(raw.Count, raw.Distinct().Count());                   // nothing sent twice at a seam
                }
            }
        }
        finally
        {
            foreach (var node in nodes) if (node is not null) await node.DisposeAsync();
        }
    }

    /// <summary>Waits until every follower has <paramref name="more"/> publications more on the first channel than now.</summary>
    private static async Task EveryFollowerGetsMore(JsClients js, int more)
    {
        for (var i = 0; i < Nodes; i++)
        {
            var client = $"f{i}";
            int Count() => js.Call("followed", new { client, channel = Channels[0] }).GetAwaiter().GetResult()!["items"]!.AsArray().Count;
            var before = Count();
            await ClusterNodes.Eventually(() => Count() >= before + more, seconds: 60);
        }
    }

    /// <summary>Polls a node's readiness and membership (HTTP: no event to await from another process).</summary>
    private static async Task Ready(int port, int members)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                var ready = await http.GetAsync($"http://127.0.0.1:{port}/health/ready");
                var health = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/health"));
                var up = health?["members"]?.AsArray().Count(m => m?["status"]?.GetValue<string>() == "Up") ?? 0;
                if (ready.IsSuccessStatusCode && up == members) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The node on port {port} was not ready among {members} members within 90 s");
            await Task.Delay(200); // the poll's interval: another process's readiness has no event to await
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
