using AGServer.Bench;

// dotnet run -c Release --project AGServer.Bench -- [--size full|tiny] [--scenario fanout|rpc|connect|idle|crossnode|history|widest|scale ...] [--runs N] [--update-benchmarks]
//     [--shape a|b|both] [--connections N] [--widest-subscribers N] [--nodes N ...] [--pin]
// dotnet run -c Release --project AGServer.Bench -- --micro [BenchmarkDotNet arguments]   (codec and fan-out micro-benchmarks)
// dotnet run -c Release --project AGServer.Bench -- --abuse [--size full|tiny] [--scenario slowflood|nohandshake|churn|publishflood|invokeflood|subscribechurn ...]   (RSS and neighbours under abuse)
// dotnet run -c Release --project AGServer.Bench -- --clients [--size full|tiny] [--runs N]   (AGServer.Client's CPU against socketcluster-client's)
if (args.Length > 0 && args[0] == "--client-load") return await ClientLoad.Run(args[1..]);
if (args.Contains("--clients"))
{
    var tiny = args.Contains("tiny");
    var runsAt = Array.IndexOf(args, "--runs");
    var clientRuns = runsAt >= 0 && runsAt + 1 < args.Length && int.TryParse(args[runsAt + 1], out var asked) && asked > 0
        ? asked
        : runsAt >= 0 ? throw new ArgumentException("--runs takes a positive number of runs") : 3;
    Console.WriteLine($"Client CPU comparison, size {(tiny ? "tiny" : "full")}, {clientRuns} run(s), on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    var runs = new List<(List<Figure>, List<Figure>)>();
    for (var run = 1; run <= clientRuns; run++)
    {
        Console.WriteLine($"run {run} of {clientRuns}");
        runs.Add(await ClientScenarios.Run(calls: tiny ? 200 : 50_000, messages: tiny ? 50 : 20_000, clients: tiny ? 2 : 10, Console.Out));
    }
    Console.WriteLine();
    Console.Write(ClientScenarios.Table(runs));
    return 0;
}
var abuse = args.Contains("--abuse");
if (abuse) args = args.Where(a => a != "--abuse").ToArray();
if (args.Length > 0 && args[0] == "--micro")
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(BenchRunner).Assembly).Run(args[1..]);
    return 0;
}
var size = BenchSize.Full;
var scenarios = new List<string>();
var shapes = new[] { "A", "B" };
int? connections = null;
int? widestPerNode = null;
var scaleNodes = new List<int>();
int? runCount = null;
var pin = false;
var updateBenchmarks = false;
var invocation = string.Join(' ', args);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size" when i + 1 < args.Length:
            size = args[++i] switch
            {
                "tiny" => BenchSize.Tiny,
                "full" => BenchSize.Full,
                var other => throw new ArgumentException($"--size must be full or tiny (got '{other}')"),
            };
            break;
        case "--scenario" when i + 1 < args.Length:
            scenarios.Add(args[++i]);
            break;
        case "--shape" when i + 1 < args.Length:
            shapes = args[++i].ToUpperInvariant() switch
            {
                "A" => ["A"],
                "B" => ["B"],
                "BOTH" => ["A", "B"],
                var other => throw new ArgumentException($"--shape must be a, b or both (got '{other}')"),
            };
            break;
        case "--connections" when i + 1 < args.Length && int.TryParse(args[i + 1], out var count) && count > 0:
            connections = count;
            i++;
            break;
        case "--widest-subscribers" when i + 1 < args.Length && int.TryParse(args[i + 1], out var perNode) && perNode > 0:
            widestPerNode = perNode;
            i++;
            break;
        case "--nodes" when i + 1 < args.Length && int.TryParse(args[i + 1], out var nodeCount) && nodeCount > 0:
            scaleNodes.Add(nodeCount);
            i++;
            break;
        case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], out var runs) && runs > 0:
            runCount = runs;
            i++;
            break;
        case "--pin":
            pin = true;
            break;
        case "--server-env" when i + 1 < args.Length && args[i + 1].IndexOf('=') > 0:
            var setting = args[++i];
            ServerProcess.ExtraEnvironment[setting[..setting.IndexOf('=')]] = setting[(setting.IndexOf('=') + 1)..];
            break;
        case "--update-benchmarks":
            updateBenchmarks = true;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: [--size full|tiny] [--scenario {string.Join("|", BenchRunner.AllScenarios)}]... " +
                                    "[--shape a|b|both] [--connections N] [--widest-subscribers N] [--nodes N]... [--runs N] [--pin] [--server-env NAME=VALUE]... [--update-benchmarks]");
            return 2;
    }
}
if (abuse)
{
    var abuseSize = size == BenchSize.Tiny ? AbuseSize.Tiny : AbuseSize.Full;
    if (scenarios.Count == 0) scenarios.AddRange(AbuseScenarios.All);
    Console.WriteLine($"AGServer abuse benchmark, size {abuseSize.Name}, on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    var (mine, reference) = await AbuseScenarios.Run(abuseSize, scenarios, Console.Out);
    Console.WriteLine();
    Console.Write(Report.Table(mine, reference));
    return 0;
}
if (scenarios.Count == 0) scenarios.AddRange(BenchRunner.AllScenarios);
if (connections is { } n) size = size with { Connections = n };
if (widestPerNode is { } w) size = size with { WidestSubscribersPerNode = w };
if (scaleNodes.Count > 0) size = size with { ScaleNodes = [.. scaleNodes.Order()] };
if (pin)
{
    if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("--pin uses taskset, on Linux");
    if (Environment.ProcessorCount < 2) throw new ArgumentException("--pin needs at least 2 cores: the servers get core 0, the load generator the others");
    // Servers on core 0 (ServerProcess starts them under taskset), this load generator on the other cores.
    ServerProcess.PinToCoreZero = true;
    System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = (nint)(((1L << Environment.ProcessorCount) - 1) & ~1L);
}

// Every scenario runs on every server once per run; the table gives medians and the ratios' spread over the runs.
var totalRuns = runCount ?? (size == BenchSize.Tiny ? 1 : 3);
var header = $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores{(pin ? " (servers pinned to core 0)" : "")}, " +
             $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, size {size.Name}, {totalRuns} run(s) per server";
Console.WriteLine($"AGServer benchmark: {header}");
// Each scenario apart, so BENCHMARKS.md gets one block per scenario, replaced when that scenario runs again.
var runsByScenario = scenarios.ToDictionary(scenario => scenario, _ => shapes.ToDictionary(shape => shape, _ => new List<BenchRun>()));
for (var run = 1; run <= totalRuns; run++)
{
    foreach (var shape in shapes)
    {
        var shaped = shape == "B" ? size.AsShapeB() : size;
        Console.WriteLine($"Run {run} of {totalRuns}, load shape {shape}");
        var thisRun = new BenchRun([], [], []);
        foreach (var scenario in scenarios)
        {
            var (ours, theirs, floor) = await BenchRunner.Run(shaped, [scenario], Console.Out);
            runsByScenario[scenario][shape].Add(new BenchRun(ours, theirs, floor));
            thisRun.AGServer.AddRange(ours);
            thisRun.Reference.AddRange(theirs);
            thisRun.Floor!.AddRange(floor);
        }
        if (totalRuns > 1) Console.Write(Report.Table([thisRun])); // each run's own figures, so an outlier run shows which figure moved
    }
}
string Tables(string scenario) => string.Join("\n", shapes.Select(shape => $"Load shape {shape}:\n\n{Report.Table(runsByScenario[scenario][shape])}"));
Console.WriteLine();
foreach (var scenario in scenarios) Console.Write(Tables(scenario) + "\n");
if (updateBenchmarks)
{
    var file = LatestRunSection.File();
    var markdown = await File.ReadAllTextAsync(file);
    foreach (var scenario in scenarios)
        markdown = LatestRunSection.Replace(markdown, scenario,
            $"**{scenario}**: {header}; each value the median of the runs [lowest–highest], each ratio the median of the run-by-run ratios [lowest–highest]. " +
            $"Generated by `dotnet run -c Release --project AGServer.Bench -- {invocation}`.\n\n{Tables(scenario)}");
    await File.WriteAllTextAsync(file, markdown);
    Console.WriteLine($"BENCHMARKS.md's latest run updated ({file}).");
}
return 0;
