using AGServer.Bench;
using Xunit;

namespace AGServer.Tests.Bench;

/// <summary>A tiny run of every benchmark scenario: the tool works end to end against both servers (no timing is asserted).</summary>
public sealed class BenchToolSpec
{
    [Fact]
    public async Task Every_scenario_runs_against_AGServer_and_the_reference_and_reports_its_figures()
    {
        var (ours, theirs, floor) = await BenchRunner.Run(BenchSize.Tiny, BenchRunner.AllScenarios, TextWriter.Null);

        Assert.Equal(["connect", "crossnode", "fanout", "history", "idle", "rolling restart, 2 nodes", "rpc", "rpc (bare stream)", "scale, 1 node", "scale, 2 nodes", "widest", "widest (one node)"],
            ours.Select(f => f.Scenario).Distinct().Order());
        Assert.Equal(["connect", "fanout", "idle", "rpc", "rpc (bare stream)", "widest", "widest (one node)"], theirs.Select(f => f.Scenario).Distinct().Order());
        Assert.Equal(["connect", "fanout", "idle", "rpc", "rpc (bare stream)", "widest", "widest (one node)"], floor.Select(f => f.Scenario).Distinct().Order());
        Assert.All(ours.Concat(theirs).Concat(floor).Where(f => f.Metric.Contains("/s")), f => Assert.True(f.Value > 0, $"{f.Scenario} {f.Metric} is {f.Value}"));
        Assert.All(ours.Concat(theirs).Concat(floor), f => Assert.False(double.IsNaN(f.Value), $"{f.Scenario} {f.Metric} has no value"));
        var table = Report.Table(ours, theirs, floor);
        Assert.Contains("| AGServer / floor |", table);
        Assert.Contains("| fanout | deliveries/s |", table);
        Assert.Contains("| crossnode | deliveries/s |", table);
        Assert.Contains("| history | acknowledged publishes/s, channels with history (one node) |", table);
        Assert.Contains("| history | acknowledged publishes/s, channels with history (two nodes, replicated) |", table);
        Assert.Contains("| history | p99 ms, one publish at a time, with history (one node, SQLite journal) |", table);
        Assert.Contains("| history | acknowledged publishes/s, channels with history (one node, PostgreSQL journal) |", table);
        Assert.Contains("| connect | p99 handshake latency ms |", table);
        // The widest fan-out: every subscriber (on both AGServer nodes) got every publication, timed from outside.
        Assert.Equal(40, ours.Single(f => f is { Scenario: "widest", Metric: "subscribers on the channel" }).Value);
        Assert.Equal(20, theirs.Single(f => f is { Scenario: "widest", Metric: "subscribers on the channel" }).Value);
        Assert.Equal(20, floor.Single(f => f is { Scenario: "widest", Metric: "subscribers on the channel" }).Value);
        // Beside it, like for like: AGServer on one node, as many subscribers as the others hold.
        Assert.Equal(20, ours.Single(f => f is { Scenario: "widest (one node)", Metric: "subscribers on the channel" }).Value);
        Assert.All(ours.Concat(theirs).Concat(floor).Where(f => f.Metric == "deliveries missed"), f => Assert.Equal(0, f.Value));
        Assert.Contains("| widest | p99 ms from a publish to its last delivery (3 publishes) |", table);
        Assert.Contains("| widest (one node) | p99 ms from a publish to its last delivery (3 publishes) |", table);
        // The cluster's scaling: a publish on one node goes once to each other node with subscribers, counted by the brokers.
        Assert.Equal(0, ours.Single(f => f is { Scenario: "scale, 1 node", Metric: "fan-out messages between brokers per publish" }).Value);
        Assert.Equal(1, ours.Single(f => f is { Scenario: "scale, 2 nodes", Metric: "fan-out messages between brokers per publish" }).Value);
        Assert.Contains("| scale, 2 nodes | ms from every node listening to every node seeing all Up |", table);
        // A rolling restart of the whole cluster (every node in turn): followers on every node lose nothing on history channels.
        var restart = ours.Where(f => f.Scenario == "rolling restart, 2 nodes").ToDictionary(f => f.Metric, f => f.Value);
        Assert.True(restart["publications acknowledged (summed over the runs)"] > 0);
        Assert.Equal(0, restart["acknowledged publications a follower missed (summed over followers, channels and runs)"]);
        Assert.Equal(0, restart["publications a follower got twice (summed)"]);
        Assert.Equal(0, restart["unrecoverable notices (summed)"]);
        Assert.Equal(0, restart["epochs beyond a channel's first (summed)"]);
        // The recommended path (MapProcedure) is the RPC row; the bare stream is reported beside it, with its own ratios.
        Assert.Contains("| rpc | RPCs/s |", table);
        Assert.Contains("| rpc (bare stream) | RPCs/s |", table);
    }

    [Fact]
    public async Task Load_shape_B_runs_the_compared_scenarios_against_all_three_servers()
    {
        var shapeB = BenchSize.Tiny.AsShapeB();
        Assert.Equal((5, 8, 8, 1, 5), (shapeB.ProbeSubscribers, shapeB.PublishWindow, shapeB.RpcSockets, shapeB.RpcInFlight, shapeB.ConnectConcurrency));

        var (ours, theirs, floor) = await BenchRunner.Run(shapeB, ["fanout", "rpc", "connect"], TextWriter.Null);

        foreach (var figures in new[] { ours, theirs, floor })
        {
            Assert.Equal(["connect", "fanout", "rpc", "rpc (bare stream)"], figures.Select(f => f.Scenario).Distinct().Order());
            Assert.All(figures.Where(f => f.Metric.Contains("/s")), f => Assert.True(f.Value > 0, $"{f.Scenario} {f.Metric} is {f.Value}"));
        }
    }
}
