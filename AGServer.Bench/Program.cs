using AGServer.Bench;

// dotnet run -c Release --project AGServer.Bench -- [--size full|tiny] [--scenario fanout|rpc|connect|idle|crossnode|history ...]
// dotnet run -c Release --project AGServer.Bench -- --micro [BenchmarkDotNet arguments]   (codec and fan-out micro-benchmarks)
// dotnet run -c Release --project AGServer.Bench -- --abuse [--size full|tiny] [--scenario slowflood|nohandshake|churn ...]   (RSS under abuse)
var abuse = args.Contains("--abuse");
if (abuse) args = args.Where(a => a != "--abuse").ToArray();
if (args.Length > 0 && args[0] == "--micro")
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(BenchRunner).Assembly).Run(args[1..]);
    return 0;
}
var size = BenchSize.Full;
var scenarios = new List<string>();
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
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: [--size full|tiny] [--scenario {string.Join("|", BenchRunner.AllScenarios)}]...");
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

Console.WriteLine($"AGServer benchmark, size {size.Name}, on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var (ours, theirs, floor) = await BenchRunner.Run(size, scenarios, Console.Out);
Console.WriteLine();
Console.Write(Report.Table(ours, theirs, floor));
return 0;
