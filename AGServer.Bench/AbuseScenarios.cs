using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace AGServer.Bench;

/// <summary>How big each abuse scenario runs.</summary>
public sealed record AbuseSize(
    string Name,
    int FloodClients,
    TimeSpan FloodDuration,
    int IdleConnections,
    int UnansweredInvokes,
    int ChurnLoops,
    TimeSpan ChurnDuration,
    TimeSpan AfterLoad,
    NeighbourSize Neighbours)
{
    public static readonly AbuseSize Full = new("full", 20, TimeSpan.FromSeconds(15), 3000, 5000, 50, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10),
        NeighbourSize.Full);

    public static readonly AbuseSize Tiny = new("tiny", 2, TimeSpan.FromSeconds(1), 20, 20, 3, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500),
        NeighbourSize.Tiny);
}

/// <summary>
/// What a misbehaving load makes a server hold: RSS before, at its peak (sampled every 50 ms) and after the load left,
/// for each scenario, AGServer and socketcluster-server alike. Not a timed test: figures to compare in the same run.
/// </summary>
public static class AbuseScenarios
{
    public static readonly string[] All = ["slowflood", "stalledreader", "unanswered", "nohandshake", "churn", .. NoisyNeighbourScenarios.All];

    public static async Task<(List<Figure> AGServer, List<Figure> Reference)> Run(AbuseSize size, IReadOnlyCollection<string> scenarios, TextWriter log)
    {
        var ours = new List<Figure>();
        var theirs = new List<Figure>();
        foreach (var scenario in scenarios)
        {
            foreach (var reference in new[] { false, true })
            {
                log.WriteLine($"[{scenario}] {(reference ? "socketcluster-server" : "AGServer")}");
                await using var server = reference ? await ServerProcess.StartReference() : await ServerProcess.StartPublicAGServer();
                var figures = scenario switch
                {
                    "slowflood" => await SlowFlood(server, size),
                    "stalledreader" => await StalledReader(server, size),
                    "unanswered" => await Unanswered(server, size),
                    "nohandshake" => await NoHandshake(server, size),
                    "churn" => await Churn(server, size),
                    "publishflood" => await NoisyNeighbourScenarios.PublishFlood(server, size.Neighbours),
                    "invokeflood" => await NoisyNeighbourScenarios.InvokeFlood(server, size.Neighbours),
                    "subscribechurn" => await NoisyNeighbourScenarios.SubscribeChurn(server, size.Neighbours),
                    _ => throw new ArgumentException($"Unknown abuse scenario '{scenario}'; known: {string.Join(", ", All)}"),
                };
                (reference ? theirs : ours).AddRange(figures);
            }
        }
        return (ours, theirs);
    }

    /// <summary>
    /// Clients send 8 KB invokes of a 5 ms procedure as fast as the server takes them, while a probe socket invokes
    /// echo every 100 ms; then the clients vanish.
    /// </summary>
    private static async Task<List<Figure>> SlowFlood(ServerProcess server, AbuseSize size)
    {
        var probeLatencies = new List<double>();
        var answered = new TaskCompletionSource<long>();
        long probeSent = 0;
        await using var probe = await BenchSocket.Connect(server.Url, (_, frame) =>
        {
            var sent = Interlocked.Read(ref probeSent);
            if (sent != 0) lock (probeLatencies) probeLatencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            Interlocked.Exchange(ref probeSent, 0);
        });
        var clients = new List<BenchSocket>();
        for (var i = 0; i < size.FloodClients; i++) clients.Add(await BenchSocket.Connect(server.Url, (_, _) => { }));

        return await Measure("slowflood", server, size, async stop =>
        {
            var payload = new string('x', 8 * 1024);
            var floods = clients.Select(client => Task.Run(async () =>
            {
                for (var cid = 2; !stop.IsCancellationRequested; cid++)
                    await client.Send($$"""{"event":"slow","data":"{{payload}}","cid":{{cid}}}""").WaitAsync(stop.Token);
            })).ToList();
            var probing = Task.Run(async () =>
            {
                for (var cid = 2; !stop.IsCancellationRequested; cid++)
                {
                    if (Interlocked.Read(ref probeSent) == 0)
                    {
                        Interlocked.Exchange(ref probeSent, Stopwatch.GetTimestamp());
                        await probe.Send($$"""{"event":"echo","data":{{cid}},"cid":{{cid}}}""");
                    }
                    await Task.Delay(100);
                }
            });
            await Task.Delay(size.FloodDuration);
            foreach (var client in clients) client.Abort();
            await Task.WhenAll(floods.Select(f => f.ContinueWith(_ => { })));
            await probing.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        }, extra: () =>
        {
            lock (probeLatencies)
                return [new Figure("slowflood", "echo p99 during flood ms", Percentile(probeLatencies, 0.99), false)];
        });
    }

    /// <summary>
    /// Subscribers that stop reading their connection right after subscribing, while a publisher sends 1 KB messages on
    /// their channel as fast as it can; then everyone leaves.
    /// </summary>
    private static async Task<List<Figure>> StalledReader(ServerProcess server, AbuseSize size)
    {
        var stalled = new List<ClientWebSocket>();
        for (var i = 0; i < size.FloodClients; i++)
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(server.Url, CancellationToken.None);
            await socket.SendAsync("{\"event\":\"#handshake\",\"data\":{},\"cid\":1}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.SendAsync("{\"event\":\"#subscribe\",\"data\":{\"channel\":\"stalled\"},\"cid\":2}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            stalled.Add(socket); // and never read from it again
        }
        await Task.Delay(500); // the subscribes are processed
        await using var publisher = await BenchSocket.Connect(server.Url, (_, _) => { });
        var message = Encoding.UTF8.GetBytes("{\"event\":\"#publish\",\"data\":{\"channel\":\"stalled\",\"data\":\"" + new string('p', 1024) + "\"}}");
        return await Measure("stalledreader", server, size, async stop =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < size.FloodDuration) await publisher.Send(message);
            foreach (var socket in stalled) socket.Abort();
        });
    }

    /// <summary>
    /// A client makes the server invoke it (invokeBack) over and over and never answers: the server holds each pending
    /// invoke until its ack timeout; then the client leaves.
    /// </summary>
    private static async Task<List<Figure>> Unanswered(ServerProcess server, AbuseSize size)
    {
        await using var client = await BenchSocket.Connect(server.Url, (_, _) => { }); // reads, but never answers an invoke
        return await Measure("unanswered", server, size, async _ =>
        {
            for (var cid = 2; cid < 2 + size.UnansweredInvokes; cid++)
                await client.Send($$$"""{"event":"invokeBack","data":{"procedure":"never","data":{{{cid}}},"ackTimeout":60000},"cid":{{{cid}}}}""");
            await Task.Delay(2000); // the invokes are out and pending
            client.Abort();
        });
    }

    /// <summary>Connections that open the WebSocket and never send the SocketCluster handshake; then they drop.</summary>
    private static async Task<List<Figure>> NoHandshake(ServerProcess server, AbuseSize size) =>
        await Measure("nohandshake", server, size, async _ =>
        {
            var sockets = new List<ClientWebSocket>();
            for (var i = 0; i < size.IdleConnections; i += 100)
            {
                var batch = Enumerable.Range(0, Math.Min(100, size.IdleConnections - i)).Select(async _ =>
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.Zero;
                    await socket.ConnectAsync(server.Url, CancellationToken.None);
                    return socket;
                });
                sockets.AddRange(await Task.WhenAll(batch));
            }
            await Task.Delay(1000); // let the peak show
            foreach (var socket in sockets) socket.Abort();
        });

    /// <summary>Loops that connect, subscribe, publish 1 KB and drop the connection without closing it, over and over.</summary>
    private static async Task<List<Figure>> Churn(ServerProcess server, AbuseSize size)
    {
        long connections = 0;
        var figures = await Measure("churn", server, size, async stop =>
        {
            var payload = new string('y', 1024);
            var loops = Enumerable.Range(0, size.ChurnLoops).Select(loop => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var socket = await BenchSocket.Connect(server.Url, (_, _) => { });
                        var channel = $"churn/{loop % 10}";
                        await socket.Send($$$"""{"event":"#subscribe","data":{"channel":"{{{channel}}}"},"cid":2}""");
                        await socket.Send($$$"""{"event":"#publish","data":{"channel":"{{{channel}}}","data":"{{{payload}}}"}}""");
                        socket.Abort();
                        Interlocked.Increment(ref connections);
                    }
                    catch (Exception) when (!stop.IsCancellationRequested)
                    {
                        // A connection refused under load is part of the load.
                    }
                }
            })).ToList();
            await Task.Delay(size.ChurnDuration);
            await stop.CancelAsync();
            await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { })));
        });
        // The faster server serves more connections in the same time: growth per connection compares like with like.
        var growth = figures.Single(f => f.Metric == "RSS growth at peak MB").Value;
        figures.Add(new Figure("churn", "connections", connections, true));
        figures.Add(new Figure("churn", "RSS growth KB per connection", connections == 0 ? double.NaN : growth * 1000 / connections, false));
        return figures;
    }

    /// <summary>Runs <paramref name="load"/>, sampling the server's RSS; reports start, peak and after the load left.</summary>
    private static async Task<List<Figure>> Measure(string scenario, ServerProcess server, AbuseSize size,
        Func<CancellationTokenSource, Task> load, Func<List<Figure>>? extra = null)
    {
        await Task.Delay(500);
        var start = server.RssBytes();
        var peak = start;
        using var stop = new CancellationTokenSource();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.RssBytes());
                await Task.Delay(50);
            }
        });
        await load(stop);
        await stop.CancelAsync();
        await Task.Delay(size.AfterLoad);
        await sampling.CancelAsync();
        await sampler;
        var after = server.RssBytes();
        List<Figure> figures =
        [
            new(scenario, "RSS start MB", start / 1e6, false),
            new(scenario, "RSS peak MB", peak / 1e6, false),
            new(scenario, "RSS after MB", after / 1e6, false),
            new(scenario, "RSS growth at peak MB", (peak - start) / 1e6, false),
        ];
        if (extra is not null) figures.AddRange(extra());
        return figures;
    }

    internal static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
