using System.Diagnostics;
using AGServer.Client;

namespace AGServer.Bench;

/// <summary>
/// AGServer.Client under load, in a process of its own (so its CPU time is the client's alone): the same work as
/// bench/reference/client-load.js does with socketcluster-client. Prints "ready" (subscribe) and one JSON line
/// <c>{"cpuMs", "count", "elapsedMs"}</c>.
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

    /// <summary>One client, 100 echo invokes in flight, <paramref name="calls"/> in all.</summary>
    private static async Task<int> Rpc(Uri url, int calls)
    {
        await using var socket = new AGClientSocket(new AGClientOptions { Uri = url, AutoReconnect = false });
        await socket.ConnectAsync();
        var (clock, cpu) = (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);
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
        Report(clock, cpu, done);
        return 0;
    }

    /// <summary><paramref name="clients"/> clients subscribed to "load", each reading <paramref name="messages"/> publications.</summary>
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
        var (clock, cpu) = (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);
        var received = 0;
        await Task.WhenAll(channels.Select(async channel =>
        {
            var mine = 0;
            await foreach (var _ in channel.ListenAsync<Numbered>())
            {
                Interlocked.Increment(ref received);
                if (++mine == messages) break;
            }
        }));
        Report(clock, cpu, received);
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
