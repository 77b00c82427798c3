using AGServer.Bench;
using Xunit;

namespace AGServer.Tests.Bench;

/// <summary>A tiny run of every abuse scenario against both servers: the tool works end to end (no figure is asserted).</summary>
public sealed class AbuseToolSpec
{
    [Fact]
    public async Task Every_abuse_scenario_runs_against_AGServer_and_the_reference_and_reports_RSS()
    {
        var (ours, theirs) = await AbuseScenarios.Run(AbuseSize.Tiny, AbuseScenarios.All, TextWriter.Null);

        Assert.Equal(AbuseScenarios.All.Order(), ours.Select(f => f.Scenario).Distinct().Order());
        Assert.Equal(AbuseScenarios.All.Order(), theirs.Select(f => f.Scenario).Distinct().Order());
        Assert.All(ours.Concat(theirs).Where(f => f.Metric.StartsWith("RSS peak")), f => Assert.True(f.Value > 0, $"{f.Scenario} {f.Metric} is {f.Value}"));
        Assert.Contains("| slowflood | RSS growth at peak MB |", Report.Table(ours, theirs));
        // The noisy-neighbour scenarios also measure quiet clients from a Node.js process of their own.
        Assert.All(ours.Concat(theirs).Where(f => f.Metric == "quiet (Node.js ws process) echo p99 during ms"), f => Assert.True(f.Value > 0, $"{f.Scenario}: {f.Value}"));
        Assert.Equal(2 * NoisyNeighbourScenarios.All.Length, ours.Concat(theirs).Count(f => f.Metric == "quiet (Node.js ws process) echo p99 during ms"));
    }
}
