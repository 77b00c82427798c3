using AGServer.Bench;

// dotnet run -c Release --project AGServer.Bench -- [--size full|tiny] [--scenario fanout|rpc|connect|idle|crossnode|history ...]
//     [--shape a|b|both] [--connections N] [--pin]
// dotnet run -c Release --project AGServer.Bench -- --micro [BenchmarkDotNet arguments]   (codec and fan-out micro-benchmarks)
// dotnet run -c Release --project AGServer.Bench -- --abuse [--size full|tiny] [--scenario slowflood|nohandshake|churn|publishflood|invokeflood|subscribechurn ...]   (RSS and neighbours under abuse)
// dotnet run -c Release --project AGServer.Bench -- --clients [--size full|tiny] [--runs N]   (AGServer.Client's CPU against socketcluster-client's)
if (args.Length > 0 && args[0] == "--client-load") return await ClientLoad.Run(args[1..]);
if (args.Contains("--clients"))
{
    var tiny = args.Contains("tiny");
    var runsAt = Array.IndexOf(args, "--runs");
    var runCount = runsAt >= 0 && runsAt + 1 < args.Length && int.TryParse(args[runsAt + 1], out var asked) && asked > 0
        ? asked
        : runsAt >= 0 ? throw new ArgumentException("--runs takes a positive number of runs") : 3;
    Console.WriteLine($"Client CPU comparison, size {(tiny ? "tiny" : "full")}, {runCount} run(s), on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    var runs = new List<(List<Figure>, List<Figure>)>();
    for (var run = 1; run <= runCount; run++)
    {
        Console.WriteLine($"run {run} of {runCount}");
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
var pin = false;
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
        case "--pin":
            pin = true;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: [--size full|tiny] [--scenario {string.Join("|", BenchRunner.AllScenarios)}]... " +
                                    "[--shape a|b|both] [--connections N] [--pin]");
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
if (pin)
{
    if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("--pin uses taskset, on Linux");
    if (Environment.ProcessorCount < 2) throw new ArgumentException("--pin needs at least 2 cores: the servers get core 0, the load generator the others");
    // Servers on core 0 (ServerProcess starts them under taskset), this load generator on the other cores.
    ServerProcess.PinToCoreZero = true;
    System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity = (nint)(((1L << Environment.ProcessorCount) - 1) & ~1L);
}

Console.WriteLine($"AGServer benchmark, size {size.Name}, on {Environment.ProcessorCount} cores{(pin ? " (servers pinned to core 0)" : "")}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var tables = new List<string>();
foreach (var shape in shapes)
{
    var shaped = shape == "B" ? size.AsShapeB() : size;
    Console.WriteLine($"Load shape {shape}");
    var (ours, theirs, floor) = await BenchRunner.Run(shaped, scenarios, Console.Out);
    tables.Add($"Load shape {shape}:\n\n{Report.Table(ours, theirs, floor)}");
}
Console.WriteLine();
Console.Write(string.Join("\n", tables));
return 0;
