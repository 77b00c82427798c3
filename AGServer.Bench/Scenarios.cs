using System.Diagnostics;
using System.Text;

namespace AGServer.Bench;

/// <summary>One figure of a scenario run. <see cref="HigherIsBetter"/> says which way the ratio should go.</summary>
/// <param name="SummedOverRuns">A count of events (a loss, an error) that one run alone may show: reported as its sum over the runs, not a median that would hide it.</param>
public sealed record Figure(string Scenario, string Metric, double Value, bool HigherIsBetter, bool SummedOverRuns = false);

/// <summary>The benchmark scenarios. Each measures the server processes (CPU from /proc, RSS) and the client side.</summary>
public static class Scenarios
{
    private const string Channel = "bench";

    /// <summary>
    /// Fan-out: subscribers on one channel, one publisher, ~100-byte messages. First as fast as the server delivers
    /// (the publisher keeps a window of messages ahead of the slowest probe subscriber), then at a fixed moderate rate for latency.
    /// Subscriber i connects to <paramref name="subscribeUrls"/>[i % count], so several nodes share them in turn.
    /// </summary>
    public static async Task<List<Figure>> FanOut(string scenario, Uri publishUrl, IReadOnlyList<Uri> subscribeUrls, IReadOnlyList<ServerProcess> servers, BenchSize size)
    {
        var received = new long[size.Subscribers];
        var latencies = new Latencies();
        var recording = false;
        var subscribers = new List<BenchSocket>();
        for (var i = 0; i < size.Subscribers; i++)
        {
            var index = i;
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var socket = await BenchSocket.Connect(subscribeUrls[i % subscribeUrls.Count], (_, frame) =>
            {
                if (frame.StartsWith("{\"event\":\"#publish\""u8))
                {
                    Interlocked.Increment(ref received[index]);
                    if (Volatile.Read(ref recording)) latencies.Add(BenchSocket.ReadNumber(frame, "\"t\":"u8));
                }
                else if (frame.StartsWith("{\"rid\":2"u8)) subscribed.TrySetResult();
            });
            await socket.Send($$$"""{"event":"#subscribe","data":{"channel":"{{{Channel}}}"},"cid":2}""");
            await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            subscribers.Add(socket);
        }
        await using var publisher = await BenchSocket.Connect(publishUrl, (_, _) => { });
        var padding = new string('x', 40);
        long SlowestProbe()
        {
            var slowest = long.MaxValue;
            for (var i = 0; i < size.ProbeSubscribers; i++) slowest = Math.Min(slowest, Interlocked.Read(ref received[i]));
            return slowest;
        }
        byte[] Message(long sequence) => Encoding.UTF8.GetBytes(
            "{\"event\":\"#publish\",\"data\":{\"channel\":\"" + Channel + "\",\"data\":{\"t\":" + Stopwatch.GetTimestamp()
            + ",\"s\":" + sequence + ",\"p\":\"" + padding + "\"}}}");

        // Throughput.
        var cpu = Cpu(servers);
        var clientCpu = LoadGeneratorCpu();
        var clock = Stopwatch.StartNew();
        for (var m = 0; m < size.ThroughputMessages; m++)
        {
            while (m - SlowestProbe() >= size.PublishWindow) await Task.Delay(1);
            await publisher.Send(Message(m));
        }
        await Until(() => received.All(r => Interlocked.Read(ref r) >= size.ThroughputMessages), TimeSpan.FromSeconds(180));
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuUsed = Cpu(servers) - cpu;
        var clientCpuUsed = LoadGeneratorCpu() - clientCpu;
        long deliveries = (long)size.Subscribers * size.ThroughputMessages;

        // Latency at a fixed moderate rate.
        var baseline = received.Sum();
        Volatile.Write(ref recording, true);
        var perTick = Math.Max(1, size.LatencyRatePerSecond / 100);
        var sent = 0;
        var rateClock = Stopwatch.StartNew();
        while (rateClock.Elapsed < size.LatencyDuration)
        {
            var due = (int)(rateClock.Elapsed.TotalSeconds * size.LatencyRatePerSecond) - sent;
            for (var i = 0; i < Math.Min(due, perTick * 2); i++, sent++) await publisher.Send(Message(sent));
            await Task.Delay(10);
        }
        var expected = baseline + (long)sent * size.Subscribers;
        await Until(() => received.Sum() >= expected, TimeSpan.FromSeconds(60));
        Volatile.Write(ref recording, false);

        foreach (var socket in subscribers) await socket.DisposeAsync();
        return
        [
            new(scenario, "deliveries/s", deliveries / elapsed, true),
            new(scenario, "server CPU ms per 1000 deliveries", cpuUsed / (deliveries / 1000.0), false),
            new(scenario, "load generator CPU ms per 1000 deliveries", clientCpuUsed / (deliveries / 1000.0), false),
            new(scenario, $"p50 latency ms at {size.LatencyRatePerSecond * size.Subscribers} deliveries/s", latencies.Percentile(50), false),
            new(scenario, $"p99 latency ms at {size.LatencyRatePerSecond * size.Subscribers} deliveries/s", latencies.Percentile(99), false),
        ];
    }

    /// <summary>RPC: sockets each keeping a fixed number of <c>echo</c> invokes in flight.</summary>
    public static async Task<List<Figure>> Rpc(Uri url, ServerProcess server, BenchSize size)
    {
        var latencies = new Latencies();
        var openLoop = new OpenLoop();
        long completed = 0;
        var measuring = false;
        var running = true;
        var sockets = new List<BenchSocket>();
        var payload = new string('x', 40);
        for (var i = 0; i < size.RpcSockets; i++)
        {
            var started = new long[size.RpcInFlight];
            BenchSocket? self = null;
            var socket = await BenchSocket.Connect(url, (s, frame) =>
            {
                var rid = BenchSocket.ReadNumber(frame, "\"rid\":"u8);
                if (rid < 0) return;
                if (rid >= OpenLoopIds)
                {
                    openLoop.OnAnswer(rid);
                    return;
                }
                var slot = (int)(rid % size.RpcInFlight);
                if (Volatile.Read(ref measuring))
                {
                    latencies.Add(started[slot]);
                    Interlocked.Increment(ref completed);
                }
                if (!Volatile.Read(ref running)) return;
                var cid = rid + size.RpcInFlight;
                started[slot] = Stopwatch.GetTimestamp();
                _ = s.Send(Invoke(cid, payload));
            });
            self = socket;
            sockets.Add(socket);
            for (var k = 0; k < size.RpcInFlight; k++)
            {
                long cid = size.RpcInFlight * 2 + k; // rid % in-flight == k
                started[cid % size.RpcInFlight] = Stopwatch.GetTimestamp();
                await socket.Send(Invoke(cid, payload));
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(size.RpcDuration.TotalSeconds / 5)); // warm up before measuring
        var cpu = server.CpuMilliseconds();
        var clientCpu = LoadGeneratorCpu();
        var scheduling = server.Scheduling();
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        await Task.Delay(size.RpcDuration);
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuUsed = server.CpuMilliseconds() - cpu;
        var scheduled = server.Scheduling();
        var clientCpuUsed = LoadGeneratorCpu() - clientCpu;
        var done = Interlocked.Read(ref completed);
        Volatile.Write(ref running, false);
        var fixedRate = await RpcAtFixedRate(sockets, server, size, openLoop);
        foreach (var socket in sockets) await socket.DisposeAsync();
        return
        [
            new("rpc", "RPCs/s", done / elapsed, true),
            new("rpc", "p50 latency ms", latencies.Percentile(50), false),
            new("rpc", "p99 latency ms", latencies.Percentile(99), false),
            new("rpc", "server CPU ms per 1000 RPCs", cpuUsed / (done / 1000.0), false),
            new("rpc", "load generator CPU ms per 1000 RPCs", clientCpuUsed / (done / 1000.0), false),
            // Why the CPU per RPC moves between runs: how often the server's threads slept and woke, and how many it ran.
            new("rpc", "server voluntary context switches per 1000 RPCs", (scheduled.Voluntary - scheduling.Voluntary) / (done / 1000.0), false),
            new("rpc", "server involuntary context switches per 1000 RPCs", (scheduled.Involuntary - scheduling.Involuntary) / (done / 1000.0), false),
            new("rpc", "server threads", scheduled.Threads, false),
            .. fixedRate,
        ];
    }

    /// <summary>
    /// Invokes of the RPC scenario's open-loop window: their call ids start here, so the answer handler tells them from
    /// the closed loop's (it times them and sends nothing back).
    /// </summary>
    private const long OpenLoopIds = 1L << 40;

    /// <summary>The open-loop window's send times, by call id (a ring: a window sends fewer invokes than it holds).</summary>
    private sealed class OpenLoop
    {
        public readonly long[] Sent = new long[1 << 20];
        public readonly Latencies Latencies = new();
        public long Answered;

        public void OnAnswer(long rid)
        {
            Latencies.Add(Sent[(rid - OpenLoopIds) & (Sent.Length - 1)]);
            Interlocked.Increment(ref Answered);
        }
    }

    /// <summary>
    /// The same sockets, once the closed loop stopped, send <see cref="BenchSize.RpcFixedRatePerSecond"/> invokes a
    /// second in turn (each millisecond the ones due): the server's CPU per RPC and the latency at a rate every server
    /// here sustains, so no server is judged at its own saturation.
    /// </summary>
    private static async Task<List<Figure>> RpcAtFixedRate(List<BenchSocket> sockets, ServerProcess server, BenchSize size, OpenLoop openLoop)
    {
        await Task.Delay(200); // the closed loop's last answers in
        var rate = size.RpcFixedRatePerSecond;
        var payload = new string('x', 40);
        long sent = 0;
        var cpu = server.CpuMilliseconds();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < size.RpcDuration)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                openLoop.Sent[sent & (openLoop.Sent.Length - 1)] = Stopwatch.GetTimestamp();
                _ = sockets[(int)(sent % sockets.Count)].Send(Invoke(OpenLoopIds + sent, payload));
            }
            await Task.Delay(1);
        }
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref openLoop.Answered) < sent && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
        var cpuUsed = server.CpuMilliseconds() - cpu;
        var answered = Interlocked.Read(ref openLoop.Answered);
        return
        [
            new("rpc", $"server CPU ms per 1000 RPCs at {rate} RPCs/s", answered == 0 ? double.NaN : cpuUsed / (answered / 1000.0), false),
            new("rpc", $"p50 latency ms at {rate} RPCs/s", openLoop.Latencies.Percentile(50), false),
            new("rpc", $"p99 latency ms at {rate} RPCs/s", openLoop.Latencies.Percentile(99), false),
        ];
    }

    private static byte[] Invoke(long cid, string payload) =>
        Encoding.UTF8.GetBytes("{\"event\":\"echo\",\"data\":{\"p\":\"" + payload + "\"},\"cid\":" + cid + "}");

    /// <summary>
    /// Connect: many sockets handshake, so many at a time (latency: from opening the connection to the handshake's
    /// answer); then the idle memory they cost the server.
    /// </summary>
    public static async Task<List<Figure>> Connect(Uri url, ServerProcess server, BenchSize size)
    {
        var rssBefore = server.RssBytes();
        var cpu = server.CpuMilliseconds();
        var clock = Stopwatch.StartNew();
        var handshakes = new Latencies();
        var sockets = await OpenIdle(url, size, handshakes);
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuUsed = server.CpuMilliseconds() - cpu;
        await Task.Delay(size.SettleTime);
        var rssAfter = server.RssBytes();
        foreach (var socket in sockets) await socket.DisposeAsync();
        return
        [
            new("connect", "handshakes/s", size.Connections / elapsed, true),
            new("connect", "server CPU ms per handshake", cpuUsed / size.Connections, false),
            new("connect", "p50 handshake latency ms", handshakes.Percentile(50), false),
            new("connect", "p99 handshake latency ms", handshakes.Percentile(99), false),
            new("connect", "RSS KiB per idle connection", (rssAfter - rssBefore) / 1024.0 / size.Connections, false),
        ];
    }

    /// <summary>
    /// History (AGServer only): ~100-byte publishes, acknowledged, 100 per channel on many channels, first on plain
    /// channels, then on <c>hist/*</c> channels (the Conformance app keeps their last 100): publish rate of each (200 in
    /// flight), the latency of one acknowledged publish at a time, and the memory a channel's kept history costs.
    /// <paramref name="setup"/> names how the server keeps histories (one node in memory, replicated, journaled).
    /// </summary>
    public static async Task<List<Figure>> History(Uri url, ServerProcess server, BenchSize size, string setup = "one node")
    {
        var channels = size.IsTiny ? 10 : 1000;
        const int PerChannel = 100;
        const int Window = 200;
        var sequential = size.IsTiny ? 50 : 1000;
        long acks = 0;
        long lastAckAt = 0;
        await using var publisher = await BenchSocket.Connect(url, (_, frame) =>
        {
            if (!frame.StartsWith("{\"rid\""u8)) return;
            Volatile.Write(ref lastAckAt, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref acks);
        });
        var padding = new string('x', 60);
        long cid = 0;
        Task Publish(string channel, int m) => publisher.Send(Encoding.UTF8.GetBytes("{\"event\":\"#publish\",\"data\":{\"channel\":\"" + channel
            + "\",\"data\":{\"s\":" + m + ",\"p\":\"" + padding + "\"}},\"cid\":" + ++cid + "}"));

        async Task<(double PerSecond, long RssGrowth, Latencies OneAtATime)> Fill(string prefix)
        {
            await Task.Delay(size.SettleTime);
            var rssBefore = server.RssBytes();
            var start = Interlocked.Read(ref acks);
            var total = channels * PerChannel;
            var clock = Stopwatch.StartNew();
            for (var m = 0; m < total; m++)
            {
                while (m - (Interlocked.Read(ref acks) - start) >= Window) await Task.Delay(1);
                await Publish(prefix + (m % channels), m);
            }
            await Until(() => Interlocked.Read(ref acks) - start >= total, TimeSpan.FromSeconds(120));
            var perSecond = total / clock.Elapsed.TotalSeconds;
            await Task.Delay(size.SettleTime);
            var rss = server.RssBytes() - rssBefore;
            // One at a time: the time from sending a publish to its acknowledgement (the publisher's view).
            var oneAtATime = new Latencies();
            for (var m = 0; m < sequential; m++)
            {
                var before = Interlocked.Read(ref acks);
                var sent = Stopwatch.GetTimestamp();
                await Publish(prefix + (m % channels), m);
                await Until(() => Interlocked.Read(ref acks) > before, TimeSpan.FromSeconds(30));
                oneAtATime.Add(sent);
            }
            return (perSecond, rss, oneAtATime);
        }

        var plain = await Fill("plain/bench/");
        var kept = await Fill("hist/bench/");
        return
        [
            new("history", $"acknowledged publishes/s, channels without history ({setup})", plain.PerSecond, true),
            new("history", $"acknowledged publishes/s, channels with history ({setup})", kept.PerSecond, true),
            new("history", $"p50 ms, one publish at a time, without history ({setup})", plain.OneAtATime.Percentile(50), false),
            new("history", $"p99 ms, one publish at a time, without history ({setup})", plain.OneAtATime.Percentile(99), false),
            new("history", $"p50 ms, one publish at a time, with history ({setup})", kept.OneAtATime.Percentile(50), false),
            new("history", $"p99 ms, one publish at a time, with history ({setup})", kept.OneAtATime.Percentile(99), false),
            new("history", $"RSS KiB per channel, {PerChannel} kept publications ({setup})", kept.RssGrowth / 1024.0 / channels, false),
            new("history", $"RSS KiB per channel, no history ({setup})", plain.RssGrowth / 1024.0 / channels, false),
        ];
    }

    /// <summary>
    /// A node's first minute is not its idle cost: .NET's tiered compilation compiles a method again after its 30th
    /// call, so the node's own periodic work (methods called once a second or less) is compiled 30 s and more after
    /// start, 4-10 ms of CPU a second from 10 to 40 s after start on an empty node (BENCHMARKS "Idle, round 4"). The
    /// empty node is measured after this, on every server alike.
    /// </summary>
    internal static readonly TimeSpan EmptyNodeAfterStart = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Idle: first the node with no connections (timer wake-ups, the scheduler's tick, thread-pool spinning), then
    /// handshaken connections that only answer the server's pings (default ping interval): the CPU per second of the
    /// empty node, of 1,000 idle connections, and the marginal CPU of one idle connection (the difference, per socket).
    /// </summary>
    public static async Task<List<Figure>> Idle(Uri url, ServerProcess server, BenchSize size)
    {
        var window = size.IsTiny ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(20);
        // The warm-up's sockets closed just before: the node gives their memory back first (10 s at most), and
        // finishes its start-up compilation.
        var settle = size.IsTiny ? size.SettleTime : TimeSpan.FromSeconds(10);
        if (!size.IsTiny && EmptyNodeAfterStart - server.Uptime > settle) settle = EmptyNodeAfterStart - server.Uptime;
        await Task.Delay(settle);
        var empty = await CpuPerSecond([server], window);
        var sockets = await OpenIdle(url, size);
        await Task.Delay(size.SettleTime);
        var loaded = await CpuPerSecond([server], window);
        foreach (var socket in sockets) await socket.DisposeAsync();
        return
        [
            new("idle", "server CPU ms per second, no connections", empty, false),
            new("idle", "server CPU ms per second per 1000 idle connections", loaded * 1000 / size.Connections, false),
            new("idle", "marginal server CPU µs per second per idle connection", Math.Max(0, loaded - empty) * 1000 / size.Connections, false),
        ];
    }

    /// <summary>The CPU <paramref name="servers"/> use together, per second, over <paramref name="window"/>.</summary>
    internal static async Task<double> CpuPerSecond(IReadOnlyList<ServerProcess> servers, TimeSpan window)
    {
        var cpu = Cpu(servers);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        return (Cpu(servers) - cpu) / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Opens <see cref="BenchSize.Connections"/> handshaken sockets that ignore what they get, so many at a time.</summary>
    private static async Task<BenchSocket[]> OpenIdle(Uri url, BenchSize size, Latencies? handshakes = null)
    {
        var gate = new SemaphoreSlim(size.ConnectConcurrency);
        return await Task.WhenAll(Enumerable.Range(0, size.Connections).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var started = Stopwatch.GetTimestamp();
                var socket = await BenchSocket.Connect(url, (_, _) => { });
                handshakes?.Add(started);
                return socket;
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    internal static double Cpu(IReadOnlyList<ServerProcess> servers) => servers.Sum(s => s.CpuMilliseconds());

    /// <summary>This process's CPU time: the load generator shares the machine's cores with the server.</summary>
    private static double LoadGeneratorCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking it every <paramref name="pollEvery"/> (2 ms unless
    /// given: latency windows end on it), or throws naming <paramref name="what"/> after <paramref name="timeout"/>.
    /// </summary>
    internal static async Task Until(Func<bool> condition, TimeSpan timeout, string what = "the server to deliver everything",
        TimeSpan? pollEvery = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}");
            await Task.Delay(pollEvery ?? TimeSpan.FromMilliseconds(2));
        }
    }
}
