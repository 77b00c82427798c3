using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AGServer.Bench;

/// <summary>
/// How an AGServer cluster scales on this machine (issue #34): for each cluster size, the nodes started together, the
/// time until every node sees every other Up, what the idle cluster costs per node, a fan-out with its subscribers
/// spread over every node and the publisher on the first (server CPU per delivery summed over the nodes, and the
/// messages between brokers per publish, from each node's <c>agserver.publishes.forwarded</c>), and RPC on one node
/// beside its idle peers; then a rolling restart of the largest (<see cref="RollingRestart"/>). AGServer only:
/// socketcluster-server has no cluster.
/// </summary>
public static class ClusterScaling
{
    public static async Task<List<Figure>> Run(BenchSize size, TextWriter log)
    {
        var figures = new List<Figure>();
        var sizes = size.ScaleNodes;
        foreach (var count in sizes)
        {
            log.WriteLine($"[scale] {count} node(s)");
            figures.AddRange(await OneSize(count, size));
        }
        // One node keeps its histories in memory only: they live through a restart on a cluster (another node has them).
        if (sizes[^1] < 2) return figures;
        log.WriteLine($"[scale] rolling restart of {sizes[^1]} nodes");
        figures.AddRange(await RollingRestart.Run(sizes[^1], size, log));
        return figures;
    }

    private static async Task<List<Figure>> OneSize(int count, BenchSize size)
    {
        var scenario = $"scale, {count} node{(count == 1 ? "" : "s")}";
        var nodes = new List<ServerProcess>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var seedPort = BenchRunner.FreeTcpPort();
            string[] metrics = ["--Metrics:Prometheus=true"];
            var starting = Enumerable.Range(0, count).Select(i => ServerProcess.StartAGServer(i == 0
                ? [.. metrics, "--cluster-port", seedPort.ToString(CultureInfo.InvariantCulture), "--seed", $"127.0.0.1:{seedPort}"]
                : [.. metrics, "--seed", $"127.0.0.1:{seedPort}"])).ToList();
            foreach (var node in starting) nodes.Add(await node);
            // Every node listens: from here, how long until each sees all of them Up.
            var clock = Stopwatch.StartNew();
            foreach (var node in nodes) await WaitUntilUp(http, node, count, scenario);
            var convergence = clock.Elapsed.TotalMilliseconds;

            await Task.Delay(size.SettleTime);
            var idlePerNode = await Scenarios.CpuPerSecond(nodes, size.IsTiny ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10)) / count;

            // A fan-out once unmeasured (tiered compilation), then measured with the brokers' forwards counted.
            var subscribeUrls = nodes.Select(n => n.Url).ToArray();
            await Scenarios.FanOut("warmup", nodes[0].Url, subscribeUrls, nodes, BenchSize.Tiny);
            var forwardsBefore = await Scraped(http, nodes, ForwardsMetric);
            var publishedBefore = await Scraped(http, [nodes[0]], PublishesMetric);
            var fanOut = await Scenarios.FanOut(scenario, nodes[0].Url, subscribeUrls, nodes, size);
            var forwards = await Scraped(http, nodes, ForwardsMetric) - forwardsBefore;
            var published = await Scraped(http, [nodes[0]], PublishesMetric) - publishedBefore;

            await Scenarios.Rpc(nodes[0].Url, nodes[0], BenchSize.Tiny);
            var rpc = await Scenarios.Rpc(nodes[0].Url, nodes[0], size);

            return
            [
                new(scenario, "ms from every node listening to every node seeing all Up", convergence, false),
                new(scenario, "idle server CPU ms per second per node", idlePerNode, false),
                new(scenario, "RSS MiB per node, idle (after the fan-out and RPC)", nodes.Average(n => n.RssBytes()) / 1024.0 / 1024.0, false),
                .. fanOut.Where(f => f.Metric is "deliveries/s" or "server CPU ms per 1000 deliveries").Select(f => f with { Scenario = scenario, Metric = "fan-out " + f.Metric }),
                new(scenario, "fan-out messages between brokers per publish", published == 0 ? double.NaN : forwards / (double)published, false),
                .. rpc.Where(f => f.Metric is "RPCs/s" or "server CPU ms per 1000 RPCs").Select(f => f with { Scenario = scenario, Metric = "RPC on the first node, " + f.Metric }),
            ];
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    /// <summary>Waits (3 minutes at most) until <paramref name="node"/>'s <c>/health</c> lists <paramref name="members"/> members Up and reachable.</summary>
    public static async Task WaitUntilUp(HttpClient http, ServerProcess node, int members, string scenario)
    {
        var clock = Stopwatch.StartNew();
        while (await UpMembers(http, node) < members)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"{scenario}: {node.Url} did not see {members} members Up in 3 minutes");
            await Task.Delay(50);
        }
    }

    /// <summary>The members a node's <c>/health</c> lists as Up (0 while it does not answer).</summary>
    private static async Task<int> UpMembers(HttpClient http, ServerProcess node)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://{node.Url.Host}:{node.Url.Port}/health"));
            using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return health.RootElement.GetProperty("members").EnumerateArray()
                .Count(m => m.GetProperty("status").GetString() == "Up" && !m.GetProperty("unreachable").GetBoolean());
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return 0;
        }
    }

    private const string ForwardsMetric = "agserver_publishes_forwarded_total";
    private const string PublishesMetric = "agserver_publishes_total";

    /// <summary>A counter's value summed over its series and over <paramref name="nodes"/>, from their Prometheus scrapes.</summary>
    private static async Task<long> Scraped(HttpClient http, IEnumerable<ServerProcess> nodes, string metric)
    {
        long total = 0;
        foreach (var node in nodes)
        {
            var scrape = await http.GetStringAsync(new Uri($"http://{node.Url.Host}:{node.Url.Port}/metrics"));
            foreach (var line in scrape.Split('\n'))
                if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is '{' or ' ')
                {
                    // name{labels} value [timestamp]
                    var value = line[((line[metric.Length] == '{' ? line.IndexOf('}') : metric.Length) + 1)..].TrimStart().Split(' ')[0];
                    total += (long)double.Parse(value, CultureInfo.InvariantCulture);
                }
        }
        return total;
    }
}
