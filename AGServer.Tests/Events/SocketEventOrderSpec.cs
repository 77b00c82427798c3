using Akka.Streams.Dsl;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Events;

/// <summary>Socket and server events come in socketcluster-server's order.</summary>
public sealed class SocketEventOrderSpec : ServerTestKit
{
    [Fact]
    public async Task A_socket_lifecycle_emits_its_events_in_order_with_end_last()
    {
        var server = await StartServer();
        var serverEvents = server.Listener(ServerEvents.All).Select(e => e.Name)
            .TakeWhile(name => name != "closure", inclusive: true)
            .RunWith(Sink.Seq<string>(), server.Materializer);
        var transport = await Open(server);
        var socket = Assert.Single(server.PendingClients.Values);
        var socketEvents = socket.Listener(SocketEvents.All).Select(e => e.Name)
            .RunWith(Sink.Seq<string>(), server.Materializer);

        await transport.Receive("""{"event":"#handshake","data":{},"cid":1}""");
        await transport.NextFrame();
        await socket.SetAuthTokenAsync(new { user = "u" });
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"a"},"cid":2}""");
        while (!(await transport.NextFrame()).Contains("\"rid\":2"))
        {
        }
        await transport.HangUp(1000);

        Assert.Equal(
            ["connect", "authTokenSigned", "authStateChange", "authenticate", "subscribe", "disconnect", "close", "unsubscribe", "end"],
            await socketEvents.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(
            ["handshake", "connection", "authenticationStateChange", "authentication", "subscription", "disconnection", "closure"],
            await serverEvents.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_socket_closed_before_its_handshake_emits_connectAbort_instead_of_disconnect()
    {
        var server = await StartServer();
        var transport = await Open(server);
        var socket = Assert.Single(server.PendingClients.Values);
        var socketEvents = socket.Listener(SocketEvents.All).Select(e => e.Name).RunWith(Sink.Seq<string>(), server.Materializer);
        var serverEvents = server.Listener(ServerEvents.All).Select(e => e.Name)
            .TakeWhile(name => name != "closure", inclusive: true).RunWith(Sink.Seq<string>(), server.Materializer);

        await transport.HangUp(4321);

        Assert.Equal(["connectAbort", "close", "error", "end"], await socketEvents.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["connectionAbort", "closure"], (await serverEvents.WaitAsync(TimeSpan.FromSeconds(10))).Where(n => n != "warning"));
    }

    [Fact]
    public async Task An_authenticated_handshake_emits_authenticate_after_connect()
    {
        var server = await StartServer(o => o.AuthKey = "order-key");
        var (login, _) = await OpenAndHandshake(server);
        var first = Assert.Single(server.Clients.Values);
        await first.SetAuthTokenAsync(new { user = "u" });
        var token = first.SignedAuthToken!;

        var transport = await Open(server);
        var socket = server.PendingClients.Values.Single();
        var events = socket.Listener(SocketEvents.All).Select(e => e.Name).Take(3).RunWith(Sink.Seq<string>(), server.Materializer);
        await transport.Receive($$$"""{"event":"#handshake","data":{"authToken":"{{{token}}}"},"cid":1}""");
        Assert.Contains("\"isAuthenticated\":true", await transport.NextFrame());
        Assert.Equal(["connect", "authStateChange", "authenticate"], await events.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
