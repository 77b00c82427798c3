using AGServer.Hosting;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>
/// Over a real WebSocket, the transport takes an idle socket's pongs itself (no trip through the socket's actor); what
/// a client and the application see stays socketcluster-server's: pongs keep the socket open and are counted, and a
/// <c>message</c> listener still hears every one of them.
/// </summary>
public sealed class RealConnectionPongsSpec
{
    [Fact]
    public async Task Pongs_keep_a_real_connection_open_are_counted_and_reach_a_message_listener()
    {
        await using var app = AGServerApp.CreateBuilder(["--port", "0", "--AGServer:PingInterval=100", "--AGServer:PingTimeout=1000"]).Build();
        AGServerApp.MapNode(app);
        await app.StartAsync();
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        await using var client = await RawSocket.Connect(AGServerApp.WebSocketUrl(app));
        var socket = server.Clients.Values.Single();
        var before = Interlocked.Read(ref socket.InboundReceived);

        // Fifteen pings answered: 1.5 s, past the 1 s timeout, so only the pongs keep the socket open.
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal("", await client.Receive(skipPings: false));
            await client.Send("");
        }
        Assert.Equal(SocketState.Open, socket.State);
        await AwaitCondition(() => Interlocked.Read(ref socket.InboundReceived) >= before + 15);

        // With a message listener, the pongs go to the socket's actor again and the listener hears them.
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = socket.Listener(SocketEvents.Message).RunForeach(message => heard.TrySetResult(message), server.Materializer);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!heard.Task.IsCompleted && !deadline.IsCancellationRequested)
        {
            Assert.Equal("", await client.Receive(skipPings: false));
            await client.Send("");
        }
        Assert.Equal("", await heard.Task.WaitAsync(deadline.Token));
        await app.StopAsync();
    }

    /// <summary>The counter is written by the transport's read loop: polled, since it raises no event.</summary>
    private static async Task AwaitCondition(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition()) await Task.Delay(20, deadline.Token);
    }
}
