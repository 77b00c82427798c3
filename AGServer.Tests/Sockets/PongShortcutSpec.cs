using System.Net.WebSockets;
using Akka.Actor;
using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Sockets;
using AGServer.Sockets.Internal;
using AGServer.Testing;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>
/// An open socket's pongs are taken by its transport, with no actor message, only while nothing else wants them: a
/// <c>message</c> listener, INBOUND_RAW middleware, an expired token or a socket not open send them to the actor.
/// </summary>
public sealed class PongShortcutSpec : ServerTestKit
{
    private static readonly byte[] Pong = [];

    private async Task<(SocketClusterServer Server, AGServerSocket Socket, InMemoryTransport Transport, PongShortcut Shortcut)> OpenSocket()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        var member = server.KeepAlive!.Add(socket, transport, ActorRefs.Nobody);
        return (server, socket, transport, new PongShortcut(Pong, socket, member));
    }

    [Fact]
    public async Task An_open_socket_with_no_one_listening_has_its_pong_taken_and_counted()
    {
        var (_, socket, _, shortcut) = await OpenSocket();
        var received = socket.InboundReceived;

        Assert.True(shortcut.TryTake(Pong));
        Assert.False(shortcut.TryTake("#2"u8)); // not this protocol's pong: the actor's
        Assert.False(shortcut.TryTake("""{"event":"x"}"""u8));
        Assert.Equal(received + 1, socket.InboundReceived);
        Assert.Equal(0, socket.GetInboundBackpressure());
    }

    [Fact]
    public async Task A_message_listener_or_inbound_raw_middleware_gets_the_pong_through_the_actor()
    {
        var (server, socket, _, shortcut) = await OpenSocket();

        var listening = socket.Listener(SocketEvents.Message).RunWith(Sink.Ignore<MessageEvent>(), server.Materializer);
        await AwaitConditionAsync(() => Task.FromResult(socket.Listeners.HasConsumers(SocketEvents.Message.Name)));
        Assert.False(shortcut.TryTake(Pong));
        socket.KillListener(SocketEvents.Message.Name);
        await listening.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(shortcut.TryTake(Pong));

        server.SetMiddleware(MiddlewareType.InboundRaw, actions => actions.RunForeach(a => a.Allow(), server.Materializer));
        Assert.False(shortcut.TryTake(Pong));
    }

    [Fact]
    public async Task A_closed_socket_has_its_pong_go_to_the_actor()
    {
        var (_, socket, transport, shortcut) = await OpenSocket();
        await transport.HangUp(1000);
        await AwaitConditionAsync(() => Task.FromResult(socket.State == SocketState.Closed));
        Assert.False(shortcut.TryTake(Pong));
    }

    [Fact]
    public async Task Over_a_real_websocket_a_client_that_answers_pings_stays_open_and_a_listener_still_sees_its_pongs()
    {
        await using var server = await TestServer.Start(o =>
        {
            o.PingInterval = 100;
            o.PingTimeout = 400;
        });
        using var client = new ClientWebSocket();
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        await client.ConnectAsync(new Uri(server.Url), CancellationToken.None);
        await client.SendAsync("""{"event":"#handshake","data":{},"cid":1}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var socket = await AwaitSocket(server);

        // Answer every ping for several ping timeouts: heard through the transport, the socket stays open.
        var buffer = new byte[4096];
        var pongs = 0;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (pongs < 15)
        {
            var result = await client.ReceiveAsync(buffer, limit.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            if (result.Count != 0) continue;
            await client.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, true, CancellationToken.None);
            pongs++;
        }
        Assert.Equal(SocketState.Open, socket.State);

        // With a message listener the pong is an event again, as in socketcluster-server.
        var message = socket.Listener(SocketEvents.Message).Take(1).RunWith(Sink.First<MessageEvent>(), server.Server.Materializer);
        await AwaitConditionAsync(() => Task.FromResult(socket.Listeners.HasConsumers(SocketEvents.Message.Name)));
        await client.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("", (await message.WaitAsync(TimeSpan.FromSeconds(10))).Message);
    }

    private async Task<AGServerSocket> AwaitSocket(TestServer server)
    {
        await AwaitConditionAsync(() => Task.FromResult(server.Server.Clients.Count == 1));
        return server.Server.Clients.Values.Single();
    }
}
