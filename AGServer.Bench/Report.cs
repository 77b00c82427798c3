using System.Globalization;
using System.Text;

namespace AGServer.Bench;

/// <summary>One run of every scenario: AGServer's figures, the reference's and (when run) the floor's.</summary>
public sealed record BenchRun(List<Figure> AGServer, List<Figure> Reference, List<Figure>? Floor = null);

/// <summary>
/// The results table: the figures and their ratios, AGServer over the reference (and over the floor, when run). Over
/// several runs each value is the median of the runs and each ratio the median of the ratios taken run by run (servers
/// compared within the same run, never across), each with its spread, lowest to highest, in brackets.
/// </summary>
public static class Report
{
    public static string Table(List<Figure> ours, List<Figure> theirs, List<Figure>? floor = null) => Table([new BenchRun(ours, theirs, floor)]);

    public static string Table(IReadOnlyList<BenchRun> runs)
    {
        var withFloor = runs.All(r => r.Floor is not null);
        var table = new StringBuilder();
        if (runs.All(r => r.Reference.Count == 0 && (r.Floor?.Count ?? 0) == 0))
        {
            // A scenario only AGServer runs (a cluster, history): nothing to compare with.
            table.AppendLine("| scenario | metric | AGServer |");
            table.AppendLine("|---|---|---:|");
            foreach (var figure in runs[0].AGServer)
                table.AppendLine($"| {figure.Scenario} | {figure.Metric} | {Value(runs.Select(r => Match(r.AGServer, figure)).ToList())} |");
            return table.ToString();
        }
        if (!withFloor)
        {
            table.AppendLine("| scenario | metric | AGServer | socketcluster-server | ratio (AGServer / reference) |");
            table.AppendLine("|---|---|---:|---:|---:|");
        }
        else
        {
            table.AppendLine("| scenario | metric | AGServer | socketcluster-server | floor | AGServer / reference | AGServer / floor |");
            table.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        }
        foreach (var figure in runs[0].AGServer)
        {
            var ours = runs.Select(r => Match(r.AGServer, figure)).ToList();
            var theirs = runs.Select(r => Match(r.Reference, figure)).ToList();
            var row = $"| {figure.Scenario} | {figure.Metric} | {Value(ours)} | {Value(theirs)} | ";
            if (!withFloor)
            {
                table.AppendLine(row + Ratio(ours, theirs) + " |");
                continue;
            }
            var floor = runs.Select(r => Match(r.Floor!, figure)).ToList();
            table.AppendLine(row + $"{Value(floor)} | {Ratio(ours, theirs)} | {Ratio(ours, floor)} |");
        }
        return table.ToString();
    }

    private static Figure? Match(List<Figure> figures, Figure figure) =>
        figures.FirstOrDefault(t => t.Scenario == figure.Scenario && t.Metric == figure.Metric);

    /// <summary>The median of a server's values over the runs, and their spread when there is more than one.</summary>
    private static string Value(List<Figure?> figures)
    {
        var values = figures.Where(f => f is not null && !double.IsNaN(f.Value)).Select(f => f!.Value).ToList();
        if (values.Count == 0) return figures.Any(f => f is not null) ? "n/a" : "—";
        if (figures.Any(f => f is { SummedOverRuns: true }))
            return values.Count == 1 ? Format(values[0]) : $"{Format(values.Sum())} ({string.Join(" + ", values.Select(Format))})";
        var median = Format(Median(values));
        return values.Count == 1 || values.Min() == values.Max() ? median : $"{median} [{Format(values.Min())}–{Format(values.Max())}]";
    }

    /// <summary>The median of the run-by-run ratios, and their spread when there is more than one.</summary>
    private static string Ratio(List<Figure?> ours, List<Figure?> others)
    {
        var ratios = ours.Zip(others, (mine, theirs) => (Mine: mine, Theirs: theirs))
            .Where(p => p.Mine is not null && p.Theirs is not null && p.Theirs.Value != 0 && !double.IsNaN(p.Mine.Value) && !double.IsNaN(p.Theirs.Value))
            .Select(p => p.Mine!.Value / p.Theirs!.Value)
            .ToList();
        if (ratios.Count == 0) return "";
        var median = Format(Median(ratios)) + "×";
        return ratios.Count == 1 ? median : $"{median} [{Format(ratios.Min())}–{Format(ratios.Max())}]";
    }

    internal static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
