using System.Globalization;
using System.Text;

namespace AGServer.Bench;

/// <summary>The results table: the figures and their ratios, AGServer over the reference (and over the floor, when run).</summary>
public static class Report
{
    public static string Table(List<Figure> ours, List<Figure> theirs, List<Figure>? floor = null)
    {
        var table = new StringBuilder();
        if (floor is null)
        {
            table.AppendLine("| scenario | metric | AGServer | socketcluster-server | ratio (AGServer / reference) |");
            table.AppendLine("|---|---|---:|---:|---:|");
        }
        else
        {
            table.AppendLine("| scenario | metric | AGServer | socketcluster-server | floor | AGServer / reference | AGServer / floor |");
            table.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        }
        foreach (var figure in ours)
        {
            var reference = Match(theirs, figure);
            var row = $"| {figure.Scenario} | {figure.Metric} | {Format(figure.Value)} | {Value(reference)} | ";
            if (floor is null)
            {
                table.AppendLine(row + Ratio(figure, reference) + " |");
                continue;
            }
            var bare = Match(floor, figure);
            table.AppendLine(row + $"{Value(bare)} | {Ratio(figure, reference)} | {Ratio(figure, bare)} |");
        }
        return table.ToString();
    }

    private static Figure? Match(List<Figure> figures, Figure figure) =>
        figures.FirstOrDefault(t => t.Scenario == figure.Scenario && t.Metric == figure.Metric);

    private static string Value(Figure? figure) => figure is null ? "—" : Format(figure.Value);

    private static string Ratio(Figure figure, Figure? other) =>
        other is null || other.Value == 0 ? "" : Format(figure.Value / other.Value) + "×";

    private static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
