using AGServer.Sockets.Internal;
using AGServer.Sockets;
using System.Text.Json;
using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Testing;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>Application code failing in the streams and handlers it consumes, on the in-memory transport.</summary>
public sealed class StreamContainmentSpec : ServerTestKit
{
    /// <summary>The name of the error request <paramref name="rid"/> was answered with.</summary>
    private static async Task<string?> ErrorName(InMemoryTransport transport, long rid) =>
        (await Answer(transport, rid)).GetProperty("error").GetProperty("name").GetString();

    private static async Task<JsonElement> Answer(InMemoryTransport transport, long rid)
    {
        while (true)
        {
            var frame = JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(5))).RootElement;
            if (frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty("rid", out var r) && r.GetInt64() == rid) return frame;
        }
    }

    [Fact]
    public async Task A_handler_that_throws_in_RunForeach_answers_that_request_with_a_ServerError_and_the_stream_goes_on()
    {
        var server = await StartServer();
        _ = server.Procedure("half").RunForeach(r => r.End(10 / r.Data.ToElement().GetInt32()), server.Materializer);
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive("""{"event":"half","data":0,"cid":2}""");
        var failed = await Answer(transport, 2);
        Assert.Equal("ServerError", failed.GetProperty("error").GetProperty("name").GetString());
        await transport.Receive("""{"event":"half","data":5,"cid":3}""");
        Assert.Equal(2, (await Answer(transport, 3)).GetProperty("data").GetInt32());
    }

    [Fact]
    public async Task An_AGError_thrown_by_a_handler_reaches_the_client_with_its_name_and_message()
    {
        var server = await StartServer();
        server.MapProcedure("refuse", async Task<string> () =>
        {
            await Task.Yield();
            throw new AGError("NotAllowedError", "Not today");
        });
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"refuse","cid":2}""");
        var error = (await Answer(transport, 2)).GetProperty("error");
        Assert.Equal("NotAllowedError", error.GetProperty("name").GetString());
        Assert.Equal("Not today", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ExposeExceptionMessages_puts_the_exception_in_the_ServerError_message()
    {
        var server = await StartServer(o => o.ExposeExceptionMessages = true);
        server.MapProcedure("broken", string () => throw new InvalidOperationException("the disk is full"));
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"broken","cid":2}""");
        var error = (await Answer(transport, 2)).GetProperty("error");
        Assert.Equal("ServerError", error.GetProperty("name").GetString());
        Assert.Contains("the disk is full", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_consumer_run_by_another_materializer_that_dies_leaves_no_request_unanswered()
    {
        var server = await StartServer();
        var plain = Akka.Streams.ActorMaterializer.Create(Sys);
        _ = server.Procedure("once").RunForeach(r => throw new InvalidOperationException("dies"), plain);
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive("""{"event":"once","cid":2}""");
        Assert.Equal("ServerError", await ErrorName(transport, 2));
        // No consumer is left: the next request is answered with an error at once rather than timing out.
        await transport.Receive("""{"event":"once","cid":3}""");
        Assert.Equal("ServerError", await ErrorName(transport, 3));
    }

    [Fact]
    public async Task An_inbound_middleware_whose_consumer_ended_blocks_instead_of_allowing()
    {
        var server = await StartServer();
        var plain = Akka.Streams.ActorMaterializer.Create(Sys);
        // The consumer takes one action, allows it, then its stream ends.
        server.SetMiddleware(MiddlewareType.Inbound, actions => actions.Take(1).RunForeach(a => a.Allow(), plain));
        server.MapProcedure("ping", () => "pong");
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive("""{"event":"ping","cid":2}""");
        Assert.Equal("pong", (await Answer(transport, 2)).GetProperty("data").GetString());
        await transport.Receive("""{"event":"ping","cid":3}""");
        Assert.Equal("MiddlewareFailedError", await ErrorName(transport, 3));
    }

    [Fact]
    public async Task An_action_no_middleware_settles_within_the_deadline_is_blocked()
    {
        var server = await StartServer(o => o.MiddlewareTimeout = 200);
        server.SetMiddleware(MiddlewareType.Inbound, actions => actions.RunForeach(_ => { }, server.Materializer));
        server.MapProcedure("ping", () => "pong");
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive("""{"event":"ping","cid":2}""");
        Assert.Equal("MiddlewareFailedError", await ErrorName(transport, 2));
        // The socket did not freeze: its next packet is processed (and blocked the same way).
        await transport.Receive("""{"event":"ping","cid":3}""");
        Assert.Equal("MiddlewareFailedError", await ErrorName(transport, 3));
    }

    [Fact]
    public async Task A_receiver_handler_that_throws_keeps_receiving()
    {
        var server = await StartServer();
        var got = new List<int>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.MapReceiver("count", (int n) =>
        {
            if (n == 1) throw new InvalidOperationException("one is bad");
            lock (got) got.Add(n);
            if (n == 2) second.TrySetResult();
        });
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"count","data":1}""");
        await transport.Receive("""{"event":"count","data":2}""");
        await second.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([2], got);
    }

    [Fact]
    public async Task An_invoke_nobody_serves_is_answered_with_UnknownProcedureError_when_its_hold_ends()
    {
        var server = await StartServer(o => o.UnclaimedPacketHold = 100);
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"nobody","cid":2}""");
        Assert.Equal("UnknownProcedureError", await ErrorName(transport, 2));
        server.MapProcedure("nobody", () => "late");
        await transport.Receive("""{"event":"nobody","cid":3}""");
        var next = JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(5))).RootElement;
        Assert.Equal(3, next.GetProperty("rid").GetInt64());
    }

    [Fact]
    public async Task An_invoke_of_a_procedure_served_per_socket_waits_for_its_setup_past_the_setup_time()
    {
        var server = await StartServer(o => o.HandlerSetupTime = 0);
        var (first, answer) = await OpenAndHandshake(server);
        server.Clients[answer.GetProperty("data").GetProperty("id").GetString()!].MapProcedure("own", () => "first");
        await first.Receive("""{"event":"own","cid":2}""");
        Assert.Equal("first", (await Answer(first, 2)).GetProperty("data").GetString());

        // Another socket, past its setup time: "own" is served per socket on this node, so its invoke is held, not refused.
        var (second, secondAnswer) = await OpenAndHandshake(server);
        await second.Receive("""{"event":"own","cid":2}""");
        await second.Receive("""{"event":"missing","cid":3}""");
        Assert.Equal("UnknownProcedureError", await ErrorName(second, 3));
        server.Clients[secondAnswer.GetProperty("data").GetProperty("id").GetString()!].MapProcedure("own", () => "second");
        Assert.Equal("second", (await Answer(second, 2)).GetProperty("data").GetString());
    }

    [Fact]
    public async Task Lone_surrogate_escapes_in_names_are_refused_without_closing_the_socket()
    {
        var server = await StartServer();
        server.MapProcedure("ping", () => "pong");
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"\uD800"},"cid":2}""");
        Assert.Equal("InvalidActionError", await ErrorName(transport, 2));
        await transport.Receive("""{"event":"\uDFFF","data":1,"cid":3}""");
        await transport.Receive("""{"event":"ping","cid":4}""");
        Assert.Equal("pong", (await Answer(transport, 4)).GetProperty("data").GetString());
        Assert.False(transport.Closed.IsCompleted);
    }
}
