using System.Diagnostics;
using System.Text;

namespace AGServer.Bench;

/// <summary>How big the noisy-neighbour scenarios run.</summary>
/// <param name="WarmUp">How long an abuser runs once before anything is measured (the node's paths compiled and loaded).</param>
/// <param name="Settle">How long the node then stays quiet before its starting RSS is read.</param>
public sealed record NeighbourSize(int QuietClients, int WideSubscribers, int InFlight, int Channels, TimeSpan WarmUp, TimeSpan Settle,
    TimeSpan Before, TimeSpan Abuse, TimeSpan After)
{
    public static readonly NeighbourSize Full = new(50, 2000, 1000, 10_000, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));

    public static readonly NeighbourSize Tiny = new(3, 20, 20, 100, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200),
        TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
}

/// <summary>
/// One abusive client among quiet ones, on one node: what the abuse costs the others. Quiet clients each invoke echo
/// every 50 ms (one at a time), half from this process and half from a Node.js <c>ws</c> process; their latency before (after a short warm-up) and during the abuse, requests that failed, <c>/health</c>'s
/// latency during it (AGServer only: socketcluster-server has no health endpoint), what the abuser got accepted, and the
/// server's RSS at the start, at its peak and a while after the abuser left. Three abusers: one that publishes 1 KB
/// as fast as it can to a channel with thousands of subscribers (<c>publishflood</c>), one that keeps a thousand echo
/// invokes in flight (<c>invokeflood</c>), one that subscribes and unsubscribes ten thousand channels in a loop
/// (<c>subscribechurn</c>). Raw WebSocket peers speaking the protocol (no client library on the load path).
/// </summary>
public static class NoisyNeighbourScenarios
{
    public static readonly string[] All = ["publishflood", "invokeflood", "subscribechurn"];

    public static async Task<List<Figure>> PublishFlood(ServerProcess server, NeighbourSize size)
    {
        long delivered = 0;
        var acknowledged = 0;
        var allSubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribers = await ConnectMany(server.Url, size.WideSubscribers, (_, frame) =>
        {
            if (frame.IndexOf("#publish"u8) >= 0) Interlocked.Increment(ref delivered);
            else if (frame.IndexOf("\"rid\""u8) >= 0 && Interlocked.Increment(ref acknowledged) == size.WideSubscribers) allSubscribed.TrySetResult();
        });
        foreach (var subscriber in subscribers) await subscriber.Send("""{"event":"#subscribe","data":{"channel":"wide"},"cid":2}""");
        await allSubscribed.Task.WaitAsync(TimeSpan.FromSeconds(60)); // every subscription is in place before anything is measured
        var frame = Encoding.UTF8.GetBytes("{\"event\":\"#publish\",\"data\":{\"channel\":\"wide\",\"data\":\"" + new string('p', 1024) + "\"}}");
        var figures = await Run("publishflood", server, size, () => new Abuser(async (abuser, stop) =>
        {
            long sent = 0;
            var start = Interlocked.Read(ref delivered);
            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                await abuser.Send(frame).WaitAsync(stop).ContinueWith(_ => { });
                sent++;
            }
            var reached = (Interlocked.Read(ref delivered) - start) / (double)size.WideSubscribers;
            return [("abuser publishes sent per s", sent / clock.Elapsed.TotalSeconds), ("abuser publishes reaching subscribers per s", reached / clock.Elapsed.TotalSeconds)];
        }));
        foreach (var subscriber in subscribers) subscriber.Abort();
        return figures;
    }

    public static Task<List<Figure>> InvokeFlood(ServerProcess server, NeighbourSize size)
    {
        var payload = new string('e', 1024);
        return Run("invokeflood", server, size, () =>
        {
            long answered = 0;
            var slots = new SemaphoreSlim(size.InFlight, size.InFlight);
            return new Abuser(async (abuser, stop) =>
            {
                var clock = Stopwatch.StartNew();
                for (var cid = 2L; !stop.IsCancellationRequested; cid++)
                {
                    if (!await slots.WaitAsync(TimeSpan.FromSeconds(1))) continue;
                    await abuser.Send($$"""{"event":"echo","data":"{{payload}}","cid":{{cid}}}""");
                }
                return [("abuser invokes answered per s", Interlocked.Read(ref answered) / clock.Elapsed.TotalSeconds)];
            }, frame =>
            {
                if (frame.IndexOf("\"rid\""u8) < 0) return;
                Interlocked.Increment(ref answered);
                slots.Release();
            });
        });
    }

    public static Task<List<Figure>> SubscribeChurn(ServerProcess server, NeighbourSize size) =>
        Run("subscribechurn", server, size, () =>
        {
            long acknowledged = 0;
            var slots = new SemaphoreSlim(size.InFlight, size.InFlight);
            return new Abuser(async (abuser, stop) =>
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0L; !stop.IsCancellationRequested; i++)
                {
                    if (!await slots.WaitAsync(TimeSpan.FromSeconds(1))) continue;
                    var channel = $"churn/{i % size.Channels}";
                    await abuser.Send($$"""{"event":"#subscribe","data":{"channel":"{{channel}}"},"cid":{{2 * i + 2}}}""");
                    await abuser.Send($$"""{"event":"#unsubscribe","data":"{{channel}}"}""");
                }
                return [("abuser subscribes acknowledged per s", Interlocked.Read(ref acknowledged) / clock.Elapsed.TotalSeconds)];
            }, frame =>
            {
                if (frame.IndexOf("\"rid\""u8) < 0) return;
                if (frame.IndexOf("\"error\""u8) < 0) Interlocked.Increment(ref acknowledged);
                slots.Release();
            });
        });

    /// <summary>An abusive client's loop (run until the token stops it; returns what it got) and its frame handler, with state of its own.</summary>
    private sealed record Abuser(Func<BenchSocket, CancellationToken, Task<(string Metric, double Value)[]>> Loop, ReadOnlySpanAction? OnFrame = null)
    {
        /// <summary>Connects a fresh abuser socket and runs the loop for <paramref name="duration"/>; the socket then vanishes.</summary>
        public async Task<(string Metric, double Value)[]> RunFor(Uri url, TimeSpan duration)
        {
            var socket = await BenchSocket.Connect(url, (_, frame) => OnFrame?.Invoke(frame));
            using var stop = new CancellationTokenSource(duration);
            var figures = await Loop(socket, stop.Token);
            socket.Abort();
            return figures;
        }
    }

    /// <summary>
    /// Quiet clients connect, an abuser warms the node up (<see cref="NeighbourSize.WarmUp"/>) and the node settles; quiet
    /// clients then run for <see cref="NeighbourSize.Before"/>, then beside the abuser for <see cref="NeighbourSize.Abuse"/>;
    /// the abuser vanishes and the server's RSS is read again after <see cref="NeighbourSize.After"/>.
    /// </summary>
    private static async Task<List<Figure>> Run(string scenario, ServerProcess server, NeighbourSize size, Func<Abuser> newAbuser)
    {
        // Half the quiet clients in this process, half in a Node.js process of their own: the second half's latency is
        // measured by another client stack, away from the load this process generates.
        var quiet = new QuietClients();
        await quiet.Connect(server.Url, size.QuietClients - size.QuietClients / 2);
        await using var outside = await OutsideQuietClients.Start(server.Url, size.QuietClients / 2,
            server.Name == "AGServer" ? HealthUrl(server.Url) : null);
        await Task.Delay(500); // the connections settle
        var coldStart = server.RssBytes();
        // An abuser runs once, briefly, before anything is measured: code the runtime compiles and loads on a path's
        // first use stays for the process's life (a one-off, not memory the abuse holds), so the start is read on a node
        // that has run the abuse's paths, and quiet, as the after is.
        await newAbuser().RunFor(server.Url, size.WarmUp);
        await Task.Delay(size.Settle);
        var start = server.RssBytes();
        var peak = start;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.RssBytes());
                await Task.Delay(50);
            }
        });
        using var quietStop = new CancellationTokenSource();
        quiet.Phase = "warm-up";
        var quietRun = quiet.Run(quietStop.Token);
        await outside.Phase("warm-up");
        await Task.Delay(size.Before / 5); // the first requests of each client (JIT, connection warm-up) are not the baseline
        quiet.Phase = "before";
        await outside.Phase("before");
        await Task.Delay(size.Before);
        quiet.Phase = "during";
        await outside.Phase("during");
        using var abuseStop = new CancellationTokenSource(size.Abuse);
        var health = server.Name == "AGServer" ? ProbeHealth(server.Url, abuseStop.Token) : Task.FromResult(new List<double>());
        var abuserFigures = await newAbuser().RunFor(server.Url, size.Abuse);
        await abuseStop.CancelAsync();
        quiet.Phase = "after";
        await outside.Phase("after");
        await quietStop.CancelAsync();
        await quietRun;
        var (outsideP99, outsideHealthP99, outsideFailed) = await outside.Report();
        var healthLatencies = await health;
        await Task.Delay(size.After);
        await sampling.CancelAsync();
        await sampler;
        var after = server.RssBytes();
        await quiet.DisposeAsync();
        var before = AbuseScenarios.Percentile(quiet.Latencies("before"), 0.99);
        var during = AbuseScenarios.Percentile(quiet.Latencies("during"), 0.99);
        List<Figure> figures =
        [
            new(scenario, "quiet (bench process) echo p99 before ms", before, false),
            new(scenario, "quiet (bench process) echo p99 during ms", during, false),
            new(scenario, "quiet (bench process) echo p99 during / before", during / before, false),
            new(scenario, "quiet (Node.js ws process) echo p99 before ms", outsideP99.GetValueOrDefault("before", double.NaN), false),
            new(scenario, "quiet (Node.js ws process) echo p99 during ms", outsideP99.GetValueOrDefault("during", double.NaN), false),
            new(scenario, "quiet (Node.js ws process) echo p99 during / before",
                outsideP99.GetValueOrDefault("during", double.NaN) / outsideP99.GetValueOrDefault("before", double.NaN), false),
            new(scenario, "quiet requests failed", quiet.Failed + outsideFailed, false),
            new(scenario, "health p99 during ms (bench process)", healthLatencies.Count == 0 ? double.NaN : AbuseScenarios.Percentile(healthLatencies, 0.99), false),
            new(scenario, "health p99 during ms (Node.js process)", outsideHealthP99.GetValueOrDefault("during", double.NaN), false),
            new(scenario, "RSS cold start MB", coldStart / 1e6, false),
            new(scenario, "RSS start (after the warm-up) MB", start / 1e6, false),
            new(scenario, "RSS growth at peak MB", (peak - start) / 1e6, false),
            new(scenario, $"RSS {size.After.TotalSeconds:0} s after MB", after / 1e6, false),
        ];
        figures.AddRange(abuserFigures.Select(f => new Figure(scenario, f.Metric, f.Value, true)));
        return figures;
    }

    public delegate void ReadOnlySpanAction(ReadOnlySpan<byte> frame);

    private static Uri HealthUrl(Uri socketUrl) => new($"http://{socketUrl.Host}:{socketUrl.Port}/health");

    private static async Task<List<double>> ProbeHealth(Uri socketUrl, CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = HealthUrl(socketUrl);
        var latencies = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var _ = await http.GetAsync(url, CancellationToken.None);
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                // A health check that failed outright counts as the timeout it took.
            }
            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            await Task.Delay(100, CancellationToken.None);
        }
        return latencies;
    }

    private static async Task<List<BenchSocket>> ConnectMany(Uri url, int count, Action<BenchSocket, ReadOnlySpan<byte>> onFrame)
    {
        var sockets = new List<BenchSocket>();
        for (var i = 0; i < count; i += 100)
            sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count - i)).Select(_ => BenchSocket.Connect(url, onFrame))));
        return sockets;
    }

    /// <summary>Clients that each invoke echo every 50 ms, one request at a time, and record each answer's latency by phase.</summary>
    private sealed class QuietClients : IAsyncDisposable
    {
        private readonly List<(BenchSocket Socket, Waiting Waiting)> _clients = [];
        private readonly List<(string Phase, double Ms)> _latencies = [];
        private int _failed;

        public volatile string Phase = "before";

        public int Failed => Volatile.Read(ref _failed);

        private sealed class Waiting
        {
            public volatile TaskCompletionSource<bool>? Answer;
        }

        public async Task Connect(Uri url, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var waiting = new Waiting();
                var socket = await BenchSocket.Connect(url, (_, frame) =>
                {
                    if (frame.IndexOf("\"rid\""u8) >= 0) waiting.Answer?.TrySetResult(frame.IndexOf("\"error\""u8) < 0);
                });
                _clients.Add((socket, waiting));
            }
        }

        public Task Run(CancellationToken stop) => Task.WhenAll(_clients.Select((client, index) => Task.Run(async () =>
        {
            await Task.Delay(index * 50 / Math.Max(1, _clients.Count), CancellationToken.None); // spread over the period
            for (var cid = 2L; !stop.IsCancellationRequested; cid++)
            {
                var phase = Phase;
                var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                client.Waiting.Answer = answer;
                var sent = Stopwatch.GetTimestamp();
                await client.Socket.Send($$"""{"event":"echo","data":{{cid}},"cid":{{cid}}}""");
                var ok = await answer.Task.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully && t.Result);
                if (!ok) Interlocked.Increment(ref _failed);
                else lock (_latencies) _latencies.Add((phase, Stopwatch.GetElapsedTime(sent).TotalMilliseconds));
                var left = TimeSpan.FromMilliseconds(50) - Stopwatch.GetElapsedTime(sent);
                if (left > TimeSpan.Zero) await Task.Delay(left, CancellationToken.None);
            }
        })));

        public List<double> Latencies(string phase)
        {
            lock (_latencies) return _latencies.Where(l => l.Phase == phase).Select(l => l.Ms).ToList();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (socket, _) in _clients) await socket.DisposeAsync();
        }
    }
}
