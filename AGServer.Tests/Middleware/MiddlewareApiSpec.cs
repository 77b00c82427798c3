using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Middleware;

public sealed class MiddlewareApiSpec : ServerTestKit
{
    [Fact]
    public void An_action_settled_twice_throws_InvalidActionError()
    {
        var allowed = new AGAction(ActionType.Invoke, SocketRequest.Empty, null);
        allowed.Allow();
        Assert.Throws<InvalidActionError>(() => allowed.Block());
        Assert.Throws<InvalidActionError>(() => allowed.Allow());

        var blocked = new AGAction(ActionType.Transmit, SocketRequest.Empty, null);
        blocked.Block(new AGError("X", "x"));
        Assert.Throws<InvalidActionError>(() => blocked.Allow("data"));
    }

    [Fact]
    public async Task A_shared_handshake_rejection_error_is_sent_with_a_status_code_and_left_unchanged()
    {
        var server = await StartServer();
        var shared = new AGError("ClosedError", "Closed for maintenance");
        server.SetMiddleware(MiddlewareType.Handshake, action => MiddlewareDecision.Block(shared));

        foreach (var _ in Enumerable.Range(0, 2))
        {
            var (_, answer) = await OpenAndHandshake(server);
            var error = answer.GetProperty("error");
            Assert.Equal(("ClosedError", 4008), (error.GetProperty("name").GetString(), error.GetProperty("statusCode").GetInt32()));
        }
        Assert.Empty(shared.Properties);
    }

    [Fact]
    public async Task Middleware_types_are_checked_and_set_once()
    {
        var server = await StartServer();
        Assert.Throws<ArgumentOutOfRangeException>(() => server.SetMiddleware((MiddlewareType)42, _ => { }));
        server.SetMiddleware(MiddlewareType.Inbound, _ => { });
        Assert.True(server.HasMiddleware(MiddlewareType.Inbound));
        Assert.Throws<InvalidOperationException>(() => server.SetMiddleware(MiddlewareType.Inbound, _ => { }));
        server.RemoveMiddleware(MiddlewareType.Inbound);
        Assert.False(server.HasMiddleware(MiddlewareType.Inbound));
        server.SetMiddleware(MiddlewareType.Inbound, _ => { });
    }

    [Fact]
    public async Task Without_middleware_no_action_stream_is_opened()
    {
        var server = await StartServer();
        var opened = 0;
        server.SetMiddleware(MiddlewareType.Outbound, _ => Interlocked.Increment(ref opened));
        server.SetMiddleware(MiddlewareType.Inbound, _ => Interlocked.Increment(ref opened),
            static (ActionInfo a) => a.Name == "watched");
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"other","data":1,"cid":2}""");
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"c"},"cid":3}""");
        Assert.Equal("""{"rid":3}""", await transport.NextFrame());
        // Neither stream was needed: the filter passed "other" by, and nothing was published to the socket.
        Assert.Equal(0, opened);

        await transport.Receive("""{"event":"watched","data":1,"cid":4}""");
        await AwaitConditionAsync(() => Task.FromResult(opened == 1));
    }

    [Fact]
    public async Task Publishes_waiting_for_OUTBOUND_middleware_are_bounded_by_the_outbound_limit()
    {
        var server = await StartServer(o =>
        {
            o.OutboundQueueLimit = 5;
            o.MiddlewareTimeout = 60_000;
        });
        var undecided = new TaskCompletionSource<MiddlewareDecision>();
        server.SetMiddleware(MiddlewareType.Outbound, (_, _) => new ValueTask<MiddlewareDecision>(undecided.Task));
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"wide"},"cid":2}""");
        Assert.Equal("""{"rid":2}""", await transport.NextFrame());

        // The first publish waits for the middleware; five more fill the socket's outbound bound; the next one is over it.
        for (var i = 0; i < 7; i++) await server.Exchange.InvokePublishAsync("wide", i);

        Assert.Equal(CloseCodes.OutboundQueueOverflow, (await transport.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
        undecided.SetResult(MiddlewareDecision.Allow);
    }
}
