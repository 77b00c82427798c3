using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AGServer.Bench;

/// <summary>
/// The client CPU comparison (issue #32): AGServer.Client against the stock socketcluster-client on Node.js, each in a
/// process of its own doing the same work against the same AGServer node: RPC (one client, 100 echo invokes in
/// flight) and received publications (several clients subscribed to one channel, a raw publisher in this process).
/// The figure is each client process's CPU time per 1,000 calls or publications.
/// </summary>
public static class ClientScenarios
{
    private sealed record LoadResult(double CpuMs, int Count, double ElapsedMs);

    public static async Task<(List<Figure> DotNet, List<Figure> Js)> Run(int calls, int messages, int clients, TextWriter log)
    {
        await using var server = await ServerProcess.StartAGServer();
        var url = server.Url.ToString();
        var dotnet = new List<Figure>();
        var js = new List<Figure>();
        foreach (var (name, figures) in new[] { ("AGServer.Client", dotnet), ("socketcluster-client", js) })
        {
            log.WriteLine($"[rpc] {name}");
            var rpc = await RunLoad(name, ["rpc", url, calls.ToString(CultureInfo.InvariantCulture)], null);
            figures.Add(new Figure("rpc", "client CPU ms per 1000 calls", rpc.CpuMs / rpc.Count * 1000, false));
            figures.Add(new Figure("rpc", "calls per s", rpc.Count / rpc.ElapsedMs * 1000, true));
            log.WriteLine($"[subscribe] {name}");
            var received = await RunLoad(name, ["subscribe", url, messages.ToString(CultureInfo.InvariantCulture), clients.ToString(CultureInfo.InvariantCulture)],
                () => Publish(server.Url, messages));
            figures.Add(new Figure("subscribe", "client CPU ms per 1000 publications", received.CpuMs / received.Count * 1000, false));
            figures.Add(new Figure("subscribe", "publications received per s", received.Count / received.ElapsedMs * 1000, true));
        }
        return (dotnet, js);
    }

    /// <summary>
    /// The comparison's table over one or more runs: per figure, the median of each client's value and of their ratio
    /// (AGServer.Client / socketcluster-client, run by run), and the ratio's spread (lowest to highest).
    /// </summary>
    public static string Table(IReadOnlyList<(List<Figure> DotNet, List<Figure> Js)> runs)
    {
        var table = new StringBuilder();
        table.AppendLine(FormattableString.Invariant($"{runs.Count} run(s); medians, the ratio's spread in brackets"));
        table.AppendLine();
        table.AppendLine("| scenario | metric | AGServer.Client | socketcluster-client | ratio (AGServer.Client / socketcluster-client) |");
        table.AppendLine("|---|---|---:|---:|---:|");
        foreach (var figure in runs[0].DotNet)
        {
            var dotnet = runs.Select(r => r.DotNet.First(f => f.Scenario == figure.Scenario && f.Metric == figure.Metric).Value).ToList();
            var js = runs.Select(r => r.Js.First(f => f.Scenario == figure.Scenario && f.Metric == figure.Metric).Value).ToList();
            var ratios = dotnet.Zip(js, (d, j) => d / j).ToList();
            table.AppendLine(FormattableString.Invariant(
                $"| {figure.Scenario} | {figure.Metric} | {Median(dotnet):0.###} | {Median(js):0.###} | {Median(ratios):0.###}× [{ratios.Min():0.###}–{ratios.Max():0.###}] |"));
        }
        return table.ToString();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Publishes <paramref name="messages"/> small publications on "load" as fast as the connection takes them.</summary>
    private static async Task Publish(Uri url, int messages)
    {
        await using var publisher = await BenchSocket.Connect(url, (_, _) => { });
        for (var n = 1; n <= messages; n++)
            await publisher.Send("{\"event\":\"#publish\",\"data\":{\"channel\":\"load\",\"data\":{\"n\":" + n.ToString(CultureInfo.InvariantCulture) + "}}}");
    }

    private static async Task<LoadResult> RunLoad(string client, string[] args, Func<Task>? whenReady)
    {
        var start = client == "AGServer.Client"
            ? new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AGServer.Bench.dll"), "--client-load" } }
            : new ProcessStartInfo("node") { ArgumentList = { Path.Combine(Paths.ReferenceDirectory(), "client-load.js") } };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        LoadResult? result = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line is "ready" or "warm" && whenReady is not null) await whenReady();
            else if (line.StartsWith('{')) result = JsonSerializer.Deserialize<LoadResult>(line, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }
        await process.WaitForExitAsync(deadline.Token);
        return result ?? throw new InvalidOperationException($"{client} load {string.Join(' ', args)} reported nothing: {await errors}");
    }
}
