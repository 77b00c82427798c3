using System.Net.WebSockets;
using System.Text;
using Akka.Streams.Dsl;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>Over a real connection: a flood the server cannot take yet stays in the client's send buffer, not in the server.</summary>
public sealed class TcpBackpressureSpec
{
    [Fact]
    public async Task The_server_stops_reading_a_flooding_socket_and_reads_again_once_its_consumer_catches_up()
    {
        await using var node = await TestServer.Start(o =>
        {
            o.InboundWindow = 64 * 1024;
            o.InboundItemLimit = 10;
            o.RateLimits.Clear(); // the window and TCP are under test, not a rate limit (which would slow the flood too)
        }, withConformanceMiddleware: false);
        var server = node.Server;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = server.Procedure("gated").SelectAsync(1, async request =>
        {
            await gate.Task;
            request.End(request.Id);
            return 0;
        }).RunWith(Sink.Ignore<int>(), server.Materializer);

        await using var client = await RawSocket.Connect(node.Url);
        var socket = server.Clients[client.Id!];
        var payload = new string('x', 8 * 1024);
        var sent = 0;
        const int flood = 4000; // 32 MB: far more than the window and the kernel's socket buffers together
        var sending = Task.Run(async () =>
        {
            for (var cid = 2; cid < 2 + flood; cid++)
            {
                await client.Send($$"""{"event":"gated","data":"{{payload}}","cid":{{cid}}}""");
                Interlocked.Increment(ref sent);
            }
        });

        // The server stops reading (its window is full), with the flood far from sent: what it read is bounded by the
        // window plus TCP buffers, and stays so while the consumer is held.
        var transport = (AGServer.Sockets.WebSocketTransport)socket.Transport;
        await Until(() => Task.FromResult(transport.IsInboundPaused));
        var read = socket.GetBytesReceived();
        Assert.True(read < 8 * 1024 * 1024, $"the server read {read} bytes of a stalled flood");
        Assert.True(Volatile.Read(ref sent) < flood, "the whole flood was sent while the server had stopped reading");
        Assert.True(transport.IsInboundPaused);

        // The consumer catches up: reading resumes and every request is answered.
        gate.SetResult();
        await sending.WaitAsync(TimeSpan.FromSeconds(60));
        var answered = 0;
        while (answered < flood)
        {
            var frame = await client.Receive(TimeSpan.FromSeconds(30));
            Assert.NotNull(frame);
            answered += CountAnswers(frame!);
        }
        Assert.Equal(flood, answered);
    }

    private static int CountAnswers(string frame)
    {
        using var document = System.Text.Json.JsonDocument.Parse(frame);
        var root = document.RootElement;
        return root.ValueKind == System.Text.Json.JsonValueKind.Array ? root.GetArrayLength() : root.TryGetProperty("rid", out _) ? 1 : 0;
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition never held");
            await Task.Delay(20); // the transport's paused state has no event of its own: it is looked at every 20 ms
        }
    }
}
