using AGServer.Bench;
using Xunit;

namespace AGServer.Tests.Bench;

/// <summary>How the bench reports several runs, and how it writes BENCHMARKS.md's latest run.</summary>
public sealed class BenchReportSpec
{
    private static BenchRun Run(double ours, double theirs, double floor) => new(
        [new Figure("rpc", "server CPU ms per 1000 RPCs", ours, false)],
        [new Figure("rpc", "server CPU ms per 1000 RPCs", theirs, false)],
        [new Figure("rpc", "server CPU ms per 1000 RPCs", floor, false)]);

    [Fact]
    public void Over_several_runs_a_value_is_the_median_and_a_ratio_the_median_of_the_ratios_within_each_run_each_with_its_spread()
    {
        // Run by run the ratios are 0.5, 0.25 and 1; across runs the medians of the values (10 / 20) would say 0.5.
        var table = Report.Table([Run(10, 20, 5), Run(5, 20, 5), Run(40, 40, 8)]);

        Assert.Contains("| rpc | server CPU ms per 1000 RPCs | 10 [5–40] | 20 [20–40] | 5 [5–8] | 0.5× [0.25–1] | 2× [1–5] |", table);
    }

    [Fact]
    public void A_count_of_events_is_summed_over_the_runs_so_one_bad_run_is_not_hidden_by_a_median()
    {
        BenchRun Lost(double count) => new([new Figure("rolling restart, 3 nodes", "publications missed", count, false, SummedOverRuns: true)], [], []);

        Assert.Contains("| rolling restart, 3 nodes | publications missed | 60 (0 + 60 + 0) |", Report.Table([Lost(0), Lost(60), Lost(0)]));
    }

    [Fact]
    public void A_scenario_only_AGServer_runs_gets_its_own_column_alone()
    {
        var run = new BenchRun([new Figure("scale, 3 nodes", "fan-out messages between brokers per publish", 2, false)], [], []);

        var table = Report.Table([run, run]);

        Assert.StartsWith("| scenario | metric | AGServer |\n|---|---|---:|\n", table.ReplaceLineEndings("\n"));
        Assert.Contains("| scale, 3 nodes | fan-out messages between brokers per publish | 2 |", table);
    }

    [Fact]
    public void One_run_gives_its_values_and_ratios_without_a_spread()
    {
        Assert.Contains("| rpc | server CPU ms per 1000 RPCs | 10 | 20 | 5 | 0.5× | 2× |", Report.Table([Run(10, 20, 5)]));
    }

    [Fact]
    public void A_run_replaces_the_blocks_of_its_scenarios_keeps_the_others_and_nothing_outside_the_markers()
    {
        var before = $"# Benchmarks\n\nintro\n\n{LatestRunSection.Start}\n{LatestRunSection.BlockMarker("rpc")}\nold rpc\n\n" +
                     $"{LatestRunSection.BlockMarker("connect")}\nold connect\n{LatestRunSection.End}\n\n### History\nkept\n";

        var after = LatestRunSection.Replace(before, "rpc", "new rpc\n");

        Assert.Equal($"# Benchmarks\n\nintro\n\n{LatestRunSection.Start}\n{LatestRunSection.BlockMarker("rpc")}\nnew rpc\n\n" +
                     $"{LatestRunSection.BlockMarker("connect")}\nold connect\n{LatestRunSection.End}\n\n### History\nkept\n", after);
        Assert.Equal(after, LatestRunSection.Replace(after, "rpc", "new rpc"));
        // A scenario run for the first time gets its block in the scenarios' order (fanout before rpc).
        var added = LatestRunSection.Replace(after, "fanout", "fanout now");
        Assert.Contains($"{LatestRunSection.Start}\n{LatestRunSection.BlockMarker("fanout")}\nfanout now\n\n{LatestRunSection.BlockMarker("rpc")}\nnew rpc\n", added);
    }

    [Fact]
    public void A_file_without_the_markers_is_refused_with_what_to_add()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => LatestRunSection.Replace("# Benchmarks\n", "rpc", "table"));

        Assert.Contains(LatestRunSection.Start, refused.Message);
        Assert.Contains(LatestRunSection.End, refused.Message);
    }

    [Fact]
    public void The_repositorys_BENCHMARKS_md_has_the_latest_run_section()
    {
        var text = File.ReadAllText(LatestRunSection.File());

        Assert.True(text.IndexOf(LatestRunSection.Start, StringComparison.Ordinal) is var start && start >= 0, "no start marker");
        Assert.True(text.IndexOf(LatestRunSection.End, StringComparison.Ordinal) > start, "no end marker after the start");
    }
}
