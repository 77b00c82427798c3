namespace AGServer.Bench;

/// <summary>How big each scenario runs. <see cref="Full"/> is the benchmark; <see cref="Tiny"/> checks the tool works.</summary>
public sealed record BenchSize(
    string Name,
    int Subscribers,
    int ThroughputMessages,
    int PublishWindow,
    int LatencyRatePerSecond,
    TimeSpan LatencyDuration,
    int RpcSockets,
    int RpcInFlight,
    TimeSpan RpcDuration,
    int Connections,
    int ConnectConcurrency,
    TimeSpan SettleTime)
{
    public static readonly BenchSize Full = new("full", 500, 2000, 20, 100, TimeSpan.FromSeconds(5), 50, 10, TimeSpan.FromSeconds(5), 5000, 200, TimeSpan.FromSeconds(3));

    public static readonly BenchSize Tiny = new("tiny", 5, 50, 10, 50, TimeSpan.FromSeconds(1), 2, 2, TimeSpan.FromSeconds(1), 20, 10, TimeSpan.FromMilliseconds(200));
}
