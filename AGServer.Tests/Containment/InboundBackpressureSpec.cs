using AGServer.Sockets.Internal;
using AGServer.Sockets;
using AGServer.SocketCluster;
using System.Text.Json;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Testing;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>A consumer that cannot keep up slows the sockets that send to it, down to TCP, and nothing else.</summary>
public sealed class InboundBackpressureSpec : ServerTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>Serves procedure "slow" one request at a time, each answered with its id once the gate lets it through.</summary>
    private static SemaphoreSlim ServeSlowBehindGate(SocketClusterServer server, Action? onTaken = null)
    {
        var gate = new SemaphoreSlim(0);
        _ = server.Procedure("slow").SelectAsync(1, async request =>
        {
            onTaken?.Invoke();
            await gate.WaitAsync();
            request.End(request.Id);
            return request.Id;
        }).RunWith(Sink.Ignore<long>(), server.Materializer);
        return gate;
    }

    private static async Task<long> AnswerTo(InMemoryTransport transport, long rid)
    {
        while (true)
        {
            var frame = JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(10))).RootElement;
            if (frame.TryGetProperty("rid", out var r) && r.GetInt64() == rid) return rid;
        }
    }

    /// <summary>The client's side of a flood: frames sent one after another, each once the socket reads again.</summary>
    private static Task Flood(InMemoryTransport transport, int from, int to, Func<int, string> frame) => Task.Run(async () =>
    {
        for (var cid = from; cid < to; cid++) await transport.Receive(frame(cid));
    });

    [Fact]
    public async Task A_socket_stops_processing_once_its_untaken_requests_fill_its_window_and_goes_on_in_order_when_the_consumer_catches_up()
    {
        var server = await StartServer(o => o.InboundItemLimit = 10);
        var taken = 0;
        var gate = ServeSlowBehindGate(server, () => Interlocked.Increment(ref taken));
        server.MapProcedure("echo", (RawJson data) => data);
        var (flooder, _) = await OpenAndHandshake(server);
        var (bystander, _) = await OpenAndHandshake(server);

        var flood = Flood(flooder, 2, 302, cid => $$"""{"event":"slow","cid":{{cid}}}""");
        // Each request no consumer took holds a tenth of the window however small it is: about ten of them fill it, and
        // the socket processes nothing more; its frames wait, unprocessed, in the same window. (The consumer's own
        // stage may take one ahead of the handler.)
        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref taken) == 1 && flooder.BytesHeld >= 128 * 1024
            && server.GetProcedureBackpressure("slow") >= 8), Wait);
        Assert.InRange(server.GetProcedureBackpressure("slow"), 8, 12);

        // Another socket is not slowed.
        await bystander.Receive("""{"event":"echo","data":"hi","cid":9}""");
        Assert.Equal(9, await AnswerTo(bystander, 9));

        gate.Release(1000);
        await flood.WaitAsync(Wait);
        for (var cid = 2; cid < 302; cid++) Assert.Equal(cid, await AnswerTo(flooder, cid));
        await AwaitConditionAsync(() => Task.FromResult(flooder.BytesHeld == 0), Wait);
    }

    [Fact]
    public async Task Requests_of_a_socket_that_closed_before_their_turn_never_reach_a_server_wide_procedure()
    {
        var server = await StartServer();
        var gate = new SemaphoreSlim(0);
        var handled = new List<long>();
        var firstTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = server.Procedure("slow").SelectAsync(1, async request =>
        {
            firstTaken.TrySetResult();
            await gate.WaitAsync();
            lock (handled) handled.Add(request.Id);
            return request.Id;
        }).RunWith(Sink.Ignore<long>(), server.Materializer);
        var (transport, _) = await OpenAndHandshake(server);
        for (var cid = 2; cid < 12; cid++) await transport.Receive($$"""{"event":"slow","cid":{{cid}}}""");
        // The consumer holds the first request before the close (on a loaded machine its first pull can come late).
        await firstTaken.Task.WaitAsync(Wait);
        await AwaitConditionAsync(() => Task.FromResult(server.GetProcedureBackpressure("slow") >= 8), Wait);
        await transport.HangUp(1000);
        await AwaitConditionAsync(() => Task.FromResult(server.ClientsCount == 0), Wait);
        gate.Release(100);
        // What the consumer took before the close runs (the first, and one its stage may have taken ahead); the rest
        // queued behind them is dropped, not handed to the application.
        await AwaitConditionAsync(() => Task.FromResult(server.GetProcedureBackpressure("slow") == 0), Wait);
        await AwaitConditionAsync(() => { lock (handled) return Task.FromResult(handled.Count > 0); }, Wait);
        lock (handled) Assert.Subset(new HashSet<long> { 2, 3 }, handled.ToHashSet());
    }

    [Fact]
    public async Task Big_requests_fill_a_socket_s_inbound_window_before_the_item_limit()
    {
        var server = await StartServer(o =>
        {
            o.InboundWindow = 64 * 1024;
            o.InboundItemLimit = 1000;
        });
        var gate = ServeSlowBehindGate(server);
        var (transport, _) = await OpenAndHandshake(server);
        var data = new string('x', 16 * 1024);
        var flood = Flood(transport, 2, 22, cid => $$"""{"event":"slow","data":"{{data}}","cid":{{cid}}}""");
        // Requests not yet taken by the consumer and frames not yet processed share the 64 KiB window: four of 16 KiB
        // fill it, far below the item limit, and the socket reads no more.
        // Read: the window's worth, plus what the consumer's stage took ahead of its handler (one or two).
        await AwaitConditionAsync(() => Task.FromResult(transport.IsInboundPaused), Wait);
        Assert.InRange(transport.BytesReceived, 64 * 1024, 8 * 17 * 1024);
        Assert.True(server.GetProcedureBackpressure("slow") <= 4);
        Assert.False(flood.IsCompleted);
        gate.Release(100);
        await flood.WaitAsync(Wait);
        for (var cid = 2; cid < 22; cid++) Assert.Equal(cid, await AnswerTo(transport, cid));
    }

    [Fact]
    public async Task A_stream_at_its_buffer_limit_refuses_new_requests_with_BufferOverflowError()
    {
        var server = await StartServer(o => o.StreamBufferLimit = 5);
        var gate = ServeSlowBehindGate(server);
        var (transport, _) = await OpenAndHandshake(server);
        for (var cid = 2; cid < 22; cid++) await transport.Receive($$"""{"event":"slow","cid":{{cid}}}""");
        // The ones the consumer could not queue are answered at once, with the overflow error.
        var refused = JsonDocument.Parse(await transport.NextFrame(Wait)).RootElement;
        Assert.Equal("BufferOverflowError", refused.GetProperty("error").GetProperty("name").GetString());
        gate.Release(100);
        var answered = 1;
        while (answered < 20)
        {
            JsonDocument.Parse(await transport.NextFrame(Wait));
            answered++;
        }
        Assert.True(server.GetProcedureBackpressure("slow") <= 5);
    }

    [Fact]
    public async Task A_socket_waiting_on_a_middleware_processes_nothing_more_so_its_frames_fill_the_window_and_reading_stops()
    {
        var server = await StartServer(o => o.MiddlewareTimeout = 60_000);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SetMiddleware(global::AGServer.Middleware.MiddlewareType.Inbound, actions => actions.SelectAsync(1, async action =>
        {
            await hold.Task;
            action.Allow();
            return 0;
        }).RunWith(Sink.Ignore<int>(), server.Materializer));
        server.MapProcedure("echo", (RawJson data) => data);
        var (transport, _) = await OpenAndHandshake(server);
        var data = new string('z', 4096);
        var flood = Flood(transport, 2, 202, cid => $$"""{"event":"echo","data":"{{data}}","cid":{{cid}}}""");
        // The first packet waits on the middleware; nothing behind it is processed or released, so the frames fill the
        // window and the socket reads no more of the ~800 KB.
        await AwaitConditionAsync(() => Task.FromResult(transport.IsInboundPaused), Wait);
        Assert.True(transport.BytesReleased < 10 * 1024, $"released {transport.BytesReleased}");
        Assert.InRange(transport.BytesReceived, 128 * 1024, 128 * 1024 + 2 * 4200);
        Assert.False(flood.IsCompleted);
        hold.SetResult();
        await flood.WaitAsync(Wait);
        for (var cid = 2; cid < 202; cid++) Assert.Equal(cid, await AnswerTo(transport, cid));
        await AwaitConditionAsync(() => Task.FromResult(transport.BytesHeld == 0), Wait);
    }
}
