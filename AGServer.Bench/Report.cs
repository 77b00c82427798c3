using System.Globalization;
using System.Text;

namespace AGServer.Bench;

/// <summary>The results table: both figures and their ratio, AGServer over the reference.</summary>
public static class Report
{
    public static string Table(List<Figure> ours, List<Figure> theirs)
    {
        var table = new StringBuilder();
        table.AppendLine("| scenario | metric | AGServer | socketcluster-server | ratio (AGServer / reference) |");
        table.AppendLine("|---|---|---:|---:|---:|");
        foreach (var figure in ours)
        {
            var reference = theirs.FirstOrDefault(t => t.Scenario == figure.Scenario && t.Metric == figure.Metric);
            var ratio = reference is null || reference.Value == 0 ? "" : Format(figure.Value / reference.Value) + "×";
            table.AppendLine($"| {figure.Scenario} | {figure.Metric} | {Format(figure.Value)} | {(reference is null ? "—" : Format(reference.Value))} | {ratio} |");
        }
        return table.ToString();
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "n/a" : value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
