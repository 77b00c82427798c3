namespace AGServer.Bench;

/// <summary>
/// How big each scenario runs, and how its load is shaped. <see cref="Full"/> is the benchmark; <see cref="Tiny"/>
/// checks the tool works. Both are load shape A; <see cref="AsShapeB"/> gives the same size in shape B.
/// </summary>
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

    public static readonly BenchSize Tiny = new("tiny", 5, 50, 10, 50, TimeSpan.FromSeconds(1), 2, 2, TimeSpan.FromSeconds(1), 20, 10, TimeSpan.FromMilliseconds(200))
    {
        WidestSubscribersPerNode = 20,
        WidestPublications = 3,
        ScaleNodes = [1, 2],
    };

    /// <summary>A or B (see <see cref="AsShapeB"/>).</summary>
    public string Shape { get; init; } = "A";

    /// <summary>The widest fan-out's subscribers on each node (one process of them per node: at most 20,000 open files each here).</summary>
    public int WidestSubscribersPerNode { get; init; } = 19_000;

    /// <summary>The cluster sizes the scale scenario starts, one after the other; the largest is then restarted node by node.</summary>
    public IReadOnlyList<int> ScaleNodes { get; init; } = [1, 3, 5, 10];

    /// <summary>The widest fan-out's measured publications, one a second.</summary>
    public int WidestPublications { get; init; } = 100;

    /// <summary>
    /// The RPC scenario's second window: invokes sent at this fixed rate over the same sockets (open loop), so the CPU
    /// per RPC compares the same arrivals per second on every server, where the closed loop's rate follows each
    /// server's speed and the machine's.
    /// </summary>
    public int RpcFixedRatePerSecond => IsTiny ? 500 : 10_000;

    /// <summary>The fan-out publisher stays <see cref="PublishWindow"/> messages ahead of the slowest of this many subscribers.</summary>
    public int ProbeSubscribers { get; init; } = 1;

    public bool IsTiny => Name == "tiny";

    /// <summary>
    /// Load shape B, after the independent generator of issue #18: the fan-out publisher at most 8 messages ahead of
    /// the slowest of 20 probe subscribers (A: 20 ahead of the first), RPC spread over four times the sockets with a
    /// fifth of the invokes in flight on each (fewer frames per read, more small writes), handshakes half as many at a
    /// time.
    /// </summary>
    public BenchSize AsShapeB() => this with
    {
        Shape = "B",
        PublishWindow = Math.Min(8, PublishWindow),
        ProbeSubscribers = Math.Min(20, Subscribers),
        RpcSockets = RpcSockets * 4,
        RpcInFlight = Math.Max(1, RpcInFlight / 5),
        ConnectConcurrency = Math.Max(1, ConnectConcurrency / 2),
    };
}
