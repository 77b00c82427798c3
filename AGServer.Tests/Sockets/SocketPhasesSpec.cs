using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>The socket actor's phases (connecting, open, closed): what each does with the same messages.</summary>
public sealed class SocketPhasesSpec : ServerTestKit
{
    [Fact]
    public async Task Before_its_handshake_a_socket_refuses_an_invoke_and_a_token_then_takes_both_once_open()
    {
        var server = await StartServer();
        var transport = await Open(server);
        var socket = Assert.Single(server.PendingClients.Values);

        socket.ActorRef.Tell(SocketCommand.Invoke("early", correlationId: "1"), TestActor);
        var refused = ExpectMsg<InvokeReply>();
        Assert.Equal(("BadConnectionError", "1"), (refused.Error?.Name, refused.CorrelationId));
        await Assert.ThrowsAsync<InvalidActionError>(() => socket.SetAuthTokenAsync(new { username = "early" }));

        await transport.Receive("""{"event":"#handshake","data":{"authToken":null},"cid":1}""");
        Assert.Contains("\"rid\":1", await transport.NextFrame());
        await socket.SetAuthTokenAsync(new { username = "open" });
        Assert.Contains("#setAuthToken", await transport.NextFrame());
        socket.ActorRef.Tell(SocketCommand.Invoke("late", correlationId: "2"), TestActor);
        Assert.Contains("\"event\":\"late\"", await transport.NextFrame());
    }

    [Fact]
    public async Task A_closed_socket_reads_nothing_more_answers_what_waits_and_stops_when_its_connection_is_gone()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server, closesAtOnce: false);
        var socket = Assert.Single(server.Clients.Values);
        Watch(socket.ActorRef);

        socket.Disconnect(4000, "bye");
        Assert.Equal((4000, "bye"), await transport.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketState.Closed, socket.State);

        // The client has not hung up: its frames still arrive, and none is answered any more.
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"after"},"cid":2}""");
        socket.ActorRef.Tell(SocketCommand.Invoke("after", correlationId: "3"), TestActor);
        var refused = ExpectMsg<InvokeReply>();
        Assert.Equal(("BadConnectionError", "3"), (refused.Error?.Name, refused.CorrelationId));
        Assert.False(transport.Sent.TryRead(out var sent), $"a closed socket sent {sent}");
        Assert.DoesNotContain("after", socket.Subscriptions());

        await transport.HangUp(1000);
        ExpectTerminated(socket.ActorRef);
    }
}
