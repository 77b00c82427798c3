using System.Text.Json;

namespace AGServer.Bench;

/// <summary>
/// The widest fan-out (issue #34): one channel with as many subscribers as a process here can hold (the open-files
/// limit is 20,000), on every node given; a publisher on the first node sends one publication a second. The
/// subscribers and the publisher are Node.js <c>ws</c> processes (bench/reference/wide-subscribers.js, one per node,
/// and wide-publisher.js), each publication carrying the publisher's clock, so the time from a publish to its last
/// delivery is read on the same machine's clock by another client stack than the bench's.
/// </summary>
public static class WidestFanOut
{
    /// <summary>Publications sent first and not measured: the servers' first big deliveries (code still being tiered up).</summary>
    private const int Unmeasured = 5;

    public static async Task<List<Figure>> Run(IReadOnlyList<ServerProcess> nodes, BenchSize size)
    {
        var channel = $"widest-{Guid.NewGuid():N}";
        var publications = Unmeasured + size.WidestPublications;
        var perNode = size.WidestSubscribersPerNode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var subscribers = nodes
            .Select(node => NodeScript.Start("wide-subscribers.js", node.Url.ToString(), perNode, channel, publications.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            foreach (var group in subscribers) await group.Line(l => l == "ready", TimeSpan.FromMinutes(5));

            // What the subscribers cost idle (their pings), so it can be taken out of the publications' CPU.
            await Task.Delay(size.SettleTime);
            var idleCpuPerSecond = await Scenarios.CpuPerSecond(nodes, size.IsTiny ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10));

            var cpu = Scenarios.Cpu(nodes);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var interval = size.IsTiny ? 200 : 1000;
            await using (var publisher = NodeScript.Start("wide-publisher.js", nodes[0].Url.ToString(), channel,
                publications.ToString(System.Globalization.CultureInfo.InvariantCulture), interval.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                await publisher.Line(l => l == "done", TimeSpan.FromMilliseconds(publications * interval) + TimeSpan.FromMinutes(1));
            }
            // Every delivery in (or a minute more, and what is missing is counted).
            foreach (var group in subscribers)
            {
                try
                {
                    await group.Line(l => l == "complete", TimeSpan.FromMinutes(1));
                }
                catch (TimeoutException)
                {
                }
            }
            var cpuUsed = Scenarios.Cpu(nodes) - cpu - idleCpuPerSecond * clock.Elapsed.TotalSeconds;

            var sockets = 0;
            var received = new long[publications];
            var last = new double[publications];
            foreach (var group in subscribers)
            {
                await group.Send("report");
                using var report = JsonDocument.Parse(await group.Line(l => l.StartsWith('{'), TimeSpan.FromSeconds(30)));
                sockets += report.RootElement.GetProperty("sockets").GetInt32();
                var i = 0;
                foreach (var count in report.RootElement.GetProperty("received").EnumerateArray()) received[i++] += count.GetInt64();
                i = 0;
                foreach (var ms in report.RootElement.GetProperty("last").EnumerateArray())
                {
                    last[i] = Math.Max(last[i], ms.GetDouble());
                    i++;
                }
            }
            var measured = last.Skip(Unmeasured).ToList();
            var delivered = received.Sum();
            var missed = (long)sockets * publications - delivered;
            return
            [
                new("widest", "subscribers on the channel", sockets, true),
                new("widest", $"p50 ms from a publish to its last delivery ({size.WidestPublications} publishes)", AbuseScenarios.Percentile(measured, 0.50), false),
                new("widest", $"p99 ms from a publish to its last delivery ({size.WidestPublications} publishes)", AbuseScenarios.Percentile(measured, 0.99), false),
                new("widest", "deliveries missed", missed, false),
                new("widest", "server CPU ms per 1000 deliveries (idle CPU taken out)", Math.Max(0, cpuUsed) / (delivered / 1000.0), false),
                new("widest", "server CPU ms per second, subscribers idle", idleCpuPerSecond, false),
            ];
        }
        finally
        {
            foreach (var group in subscribers) await group.DisposeAsync();
        }
    }
}
