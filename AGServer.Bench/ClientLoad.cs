using System.Diagnostics;
using AGServer.Client;

namespace AGServer.Bench;

/// <summary>
/// AGServer.Client under load, in a process of its own (so its CPU time is the client's alone): the same work as
/// bench/reference/client-load.js does with socketcluster-client. Each load runs twice, and only the second round is
/// measured (both runtimes have compiled their hot paths by then): the steady state's CPU per message. Prints "ready"
/// and "warm" (subscribe: the bench publishes a round after each) and one JSON line <c>{"cpuMs", "count", "elapsedMs"}</c>.
/// </summary>
public static class ClientLoad
{
    /// <summary><c>--client-load rpc &lt;url&gt; &lt;calls&gt;</c> or <c>--client-load subscribe &lt;url&gt; &lt;messages&gt; &lt;clients&gt;</c>.</summary>
    public static async Task<int> Run(string[] args)
    {
        var url = new Uri(args[1]);
        var count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        return args[0] switch
        {
            "rpc" => await Rpc(url, count),
            "subscribe" => await Subscribe(url, count, int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)),
            var other => throw new ArgumentException($"--client-load rpc|subscribe (got '{other}')"),
        };
    }

    private sealed record Numbered(int N);

    /// <summary>One client, 100 echo invokes in flight, <paramref name="calls"/> in all, twice (the second measured).</summary>
    private static async Task<int> Rpc(Uri url, int calls)
    {
        await using var socket = new AGClientSocket(new AGClientOptions { Uri = url, AutoReconnect = false });
        await socket.ConnectAsync();
        await Calls(socket, calls);
        var (clock, cpu) = (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);
        Report(clock, cpu, await Calls(socket, calls));
        return 0;
    }

    private static async Task<int> Calls(AGClientSocket socket, int calls)
    {
        var next = 0;
        var done = 0;
        await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= calls)
            {
                await socket.InvokeAsync<Numbered>("echo", new Numbered(next));
                Interlocked.Increment(ref done);
            }
        }));
        return done;
    }

    /// <summary>
    /// <paramref name="clients"/> clients subscribed to "load", each reading <paramref name="messages"/> publications
    /// twice: the first round warms up ("warm" once every client has it), the second is measured.
    /// </summary>
    private static async Task<int> Subscribe(Uri url, int messages, int clients)
    {
        var sockets = new List<AGClientSocket>();
        for (var i = 0; i < clients; i++)
        {
            var socket = new AGClientSocket(new AGClientOptions { Uri = url, AutoReconnect = false });
            await socket.ConnectAsync();
            sockets.Add(socket);
        }
        var channels = sockets.Select(s => s.Subscribe("load")).ToList();
        await Task.WhenAll(channels.Select(c => c.WhenSubscribedAsync()));
        Console.WriteLine("ready");
        var warmUp = messages * clients;
        var (clock, cpu) = (new Stopwatch(), TimeSpan.Zero);
        var received = 0;
        await Task.WhenAll(channels.Select(async channel =>
        {
            var mine = 0;
            await foreach (var _ in channel.ListenAsync<Numbered>())
            {
                if (Interlocked.Increment(ref received) == warmUp)
                {
                    (clock, cpu) = (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);
                    Console.WriteLine("warm");
                }
                if (++mine == 2 * messages) break;
            }
        }));
        Report(clock, cpu, received - warmUp);
        foreach (var socket in sockets) await socket.DisposeAsync();
        return 0;
    }

    private static void Report(Stopwatch clock, TimeSpan cpuBefore, int count) =>
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds,
            count,
            elapsedMs = clock.Elapsed.TotalMilliseconds,
        }));
}
