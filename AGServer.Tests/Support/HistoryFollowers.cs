using System.Text.Json.Nodes;
using AGServer.Tests.Cluster;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Support;

/// <summary>
/// Stock clients on every node of a multi-process cluster that follow <c>hist/</c> channels with the README's loop
/// while one client publishes on them, and the check the history specs share: every acknowledged publication reached
/// every follower once, in one epoch, with no <c>unrecoverable</c> notice and nothing sent twice at a recovery seam.
/// </summary>
internal sealed partial class HistoryFollowers(JsClients js, string[] channels, int nodes, ITestOutputHelper output)
{
    /// <summary>Clients reconnect quickly to their own node once it is back (the stock client's default waits 10-20 s).</summary>
    private static readonly object QuickReconnect =
        new { autoReconnectOptions = new { initialDelay = 200, randomness = 200, multiplier = 1.5, maxDelay = 1000 } };

    /// <summary>Connects follower <c>f{i}</c> to each node, and the publisher to <paramref name="publisherPort"/>, which starts publishing every <paramref name="intervalMs"/>.</summary>
    public async Task StartAsync(int[] httpPorts, int publisherPort, int intervalMs)
    {
        for (var i = 0; i < nodes; i++)
        {
            await js.Connect($"f{i}", QuickReconnect, httpPorts[i]);
            foreach (var channel in channels) await js.Call("follow", new { client = $"f{i}", channel });
        }
        await js.Connect("publisher", QuickReconnect, publisherPort);
        await js.Call("publishLoop", new { client = "publisher", channels, intervalMs });
    }

    /// <summary>Waits until each follower in <paramref name="followers"/> (all by default) has <paramref name="more"/> publications more on the first channel than now.</summary>
    public async Task EveryFollowerGetsMore(int more, params int[] followers)
    {
        foreach (var i in followers.Length > 0 ? followers : Enumerable.Range(0, nodes))
        {
            var client = $"f{i}";
            int Count() => js.Call("followed", new { client, channel = channels[0] }).GetAwaiter().GetResult()!["items"]!.AsArray().Count;
            var before = Count();
            await ClusterNodes.Eventually(() => Count() >= before + more, seconds: 60);
        }
    }

    /// <summary>
    /// Stops publishing and checks every follower: every acknowledged publication arrived once, in one epoch, with no
    /// <c>unrecoverable</c> notice and no (epoch, offset) sent twice. Answers the publishes that failed, with their errors' names.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopAndCheckEveryFollower(string scenario)
    {
        var result = (await js.Call("stopLoop", new { client = "publisher" }, TimeSpan.FromSeconds(30)))!;
        var rounds = result["sent"]!.GetValue<int>();
        var failures = result["failed"]!.AsArray();
        var failed = failures.Select(f => (f!["channel"]!.GetValue<string>(), f["n"]!.GetValue<int>())).ToHashSet();
        var errors = failures.Select(f => f!["error"]?["name"]?.GetValue<string>() ?? "(none)").ToList();
        output.WriteLine($"{scenario}: {rounds} rounds on {channels.Length} channels, {failed.Count} publishes answered with an error " +
                         $"({string.Join(", ", errors.Distinct())})");
        foreach (var channel in channels)
        {
            var acked = Enumerable.Range(0, rounds).Where(n => !failed.Contains((channel, n))).ToHashSet();
            Assert.NotEmpty(acked);
            var last = acked.Max();
            for (var i = 0; i < nodes; i++)
            {
                var client = $"f{i}";
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
                var twice = got.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
                foreach (var item in items.Where(item => twice.Contains(item!["data"]!["n"]!.GetValue<int>())))
                    output.WriteLine($"{client} {channel} got twice: {item!.ToJsonString()}");
                Assert.Empty(twice);
                Assert.Empty(acked.Except(got));                                   // every acknowledged one arrived
                Assert.Single(items.Select(item => item!["epoch"]!.GetValue<string>()).Distinct());
                var raw = state["raw"]!.AsArray().Where(m => m!["offset"] is not null)
                    .Select(m => (m!["epoch"]!.GetValue<string>(), m["offset"]!.GetValue<long>())).ToList();
                var repeated = raw.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => g.Key.Item2).ToHashSet();
                if (repeated.Count > 0)
                    output.WriteLine($"{client} {channel} was sent {string.Join(", ", repeated)} twice; as sent: " +
                                     string.Join(" ", state["raw"]!.AsArray().Select(m => m!["offset"]?.ToString() ?? m.ToJsonString())));
                Assert.Empty(repeated);                                            // nothing sent twice at a seam
            }
        }
        return errors;
    }

    /// <summary>For a failure's message: what the nodes logged about histories (event ids 3016-3021, each with its message line).</summary>
    public static void WriteHistoryLogs(ITestOutputHelper output, IEnumerable<string> nodeOutputs)
    {
        var node = 0;
        foreach (var lines in nodeOutputs.Select(o => o.Split('\n')))
        {
            for (var i = 0; i < lines.Length - 1; i++)
                if (HistoryEvent().IsMatch(lines[i])) output.WriteLine($"node output {node}: {lines[i].Trim()} {lines[i + 1].Trim()}");
            node++;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[30(1[6-9]|2[0-9])\]")]
    private static partial System.Text.RegularExpressions.Regex HistoryEvent();

    /// <summary>
    /// Waits until the node logged that it is up (ready: it marks itself ready when it is up in its cluster) and that it
    /// sees <paramref name="members"/> members up (each node logs every member's status, the current ones at start).
    /// </summary>
    public static Task Ready(NodeProcess node, int members) =>
        node.WhenOutput(output => output.Contains(" is up", StringComparison.Ordinal) && MembersUp(output) >= members,
            TimeSpan.FromSeconds(90), $"up among {members} members");

    private static int MembersUp(string output) =>
        MemberStatus().Matches(output).GroupBy(m => m.Groups[1].Value).Count(g => g.Last().Groups[2].Value == "Up");

    [System.Text.RegularExpressions.GeneratedRegex(@"Cluster member (\S+) is (\w+)")]
    private static partial System.Text.RegularExpressions.Regex MemberStatus();
}
