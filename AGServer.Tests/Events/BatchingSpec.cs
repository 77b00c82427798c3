using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Events;

/// <summary>Batches leave as one JSON-array frame, in order.</summary>
public sealed class BatchingSpec : ServerTestKit
{
    [Fact]
    public async Task A_started_batch_leaves_as_one_frame_on_flush()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        socket.StartBatch();
        Assert.True(socket.IsBufferingBatch);
        socket.Transmit("a", 1);
        socket.Transmit("b", 2);
        socket.Transmit("c", 3);
        socket.FlushBatch();
        Assert.Equal("""[{"event":"a","data":1},{"event":"b","data":2},{"event":"c","data":3}]""", await transport.NextFrame());
    }

    [Fact]
    public async Task A_started_batch_is_sent_early_at_the_outbound_limit_and_batching_goes_on()
    {
        var server = await StartServer(o => o.OutboundQueueLimit = 3);
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        socket.StartBatch();
        for (var i = 1; i <= 4; i++) socket.Transmit("n", i);
        Assert.Equal("""[{"event":"n","data":1},{"event":"n","data":2},{"event":"n","data":3}]""", await transport.NextFrame());
        Assert.True(socket.IsBufferingBatch);
        socket.FlushBatch();
        Assert.Equal("""{"event":"n","data":4}""", await transport.NextFrame());
    }

    [Fact]
    public async Task A_cancelled_batch_is_dropped()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        socket.StartBatch();
        socket.Transmit("dropped", 1);
        socket.CancelBatch();
        socket.Transmit("sent", 2);
        Assert.Equal("""{"event":"sent","data":2}""", await transport.NextFrame());
    }

    [Fact]
    public async Task Batching_flushes_every_batch_interval_until_stopped()
    {
        var server = await StartServer(o => o.BatchInterval = 100);
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        socket.StartBatching();
        await AwaitConditionAsync(() => Task.FromResult(socket.IsBufferingBatch));
        socket.Transmit("a", 1);
        socket.Transmit("b", 2);
        Assert.Equal("""[{"event":"a","data":1},{"event":"b","data":2}]""", await transport.NextFrame());
        socket.StopBatching();
        await AwaitConditionAsync(() => Task.FromResult(!socket.IsBufferingBatch));
        socket.Transmit("c", 3);
        Assert.Equal("""{"event":"c","data":3}""", await transport.NextFrame());
    }
}

/// <summary>batchOnHandshake, seen by the real client: several packets in one frame, in order.</summary>
public sealed class BatchOnHandshakeSpec : IAsyncLifetime
{
    private TestServer _server = null!;
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.Start(o =>
        {
            o.BatchOnHandshake = true;
            o.BatchOnHandshakeDuration = 3000;
            o.BatchInterval = 300;
        });
        _js = await JsClients.Start(_server.Port);
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Responses_right_after_the_handshake_arrive_batched_and_in_order()
    {
        await _js.Create("batched", new { autoConnect = false, autoReconnect = false });
        await _js.Call("recordMessages", new { client = "batched" });
        await _js.Call("connect", new { client = "batched" });
        var results = (await _js.Call("invokeMany", new { client = "batched", procedure = "echo", count = 5 }))!.AsArray();
        Assert.Equal(Enumerable.Range(0, 5), results.Select(r => r!.GetValue<int>()));

        // The client reports each frame as a message event, which may reach us after the invoke results.
        var batch = (await _js.WaitFor("batched", "message", e =>
        {
            var text = e.Data!["message"]!.GetValue<string>();
            return text.StartsWith('[') && text.Contains("\"rid\"");
        })).Data!["message"]!.GetValue<string>();
        var rids = System.Text.Json.JsonDocument.Parse(batch).RootElement.EnumerateArray()
            .Where(p => p.TryGetProperty("rid", out _)).Select(p => p.GetProperty("rid").GetInt32()).ToList();
        Assert.True(rids.Count >= 2, $"expected several responses in one frame: {batch}");
        Assert.Equal(rids.Order(), rids);
    }
}
