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
    public void Over_several_runs_a_value_is_the_median_and_a_ratio_the_median_of_the_ratios_within_each_run_with_its_spread()
    {
        // Run by run the ratios are 0.5, 0.25 and 1; across runs the medians of the values (10 / 20) would say 0.5.
        var table = Report.Table([Run(10, 20, 5), Run(5, 20, 5), Run(40, 40, 8)]);

        Assert.Contains("| rpc | server CPU ms per 1000 RPCs | 10 | 20 | 5 | 0.5× [0.25–1] | 2× [1–5] |", table);
    }

    [Fact]
    public void One_run_gives_its_values_and_ratios_without_a_spread()
    {
        Assert.Contains("| rpc | server CPU ms per 1000 RPCs | 10 | 20 | 5 | 0.5× | 2× |", Report.Table([Run(10, 20, 5)]));
    }

    [Fact]
    public void The_latest_run_replaces_only_what_is_between_the_markers()
    {
        var before = $"# Benchmarks\n\nintro\n\n{LatestRunSection.Start}\nold table\n{LatestRunSection.End}\n\n### History\nkept\n";

        var after = LatestRunSection.Replace(before, "new table\n");

        Assert.Equal($"# Benchmarks\n\nintro\n\n{LatestRunSection.Start}\nnew table\n{LatestRunSection.End}\n\n### History\nkept\n", after);
        Assert.Equal(after, LatestRunSection.Replace(after, "new table"));
    }

    [Fact]
    public void A_file_without_the_markers_is_refused_with_what_to_add()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => LatestRunSection.Replace("# Benchmarks\n", "table"));

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
