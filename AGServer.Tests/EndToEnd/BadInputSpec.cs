using System.Net;
using System.Net.WebSockets;
using System.Text;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>Bad input gets its documented outcome and never disturbs the node or other sockets.</summary>
public sealed class BadInputSpec : IAsyncLifetime
{
    private TestServer _server = null!;
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.Start(o => o.MaxPayload = 1000);
        _js = await JsClients.Start(_server.Port);
        await _js.Connect("bystander");
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>The bystander still gets answers: the node and other sockets were not disturbed.</summary>
    private async Task BystanderStillWorks() =>
        Assert.Equal("still here", (await _js.Invoke("bystander", "echo", "still here"))!.GetValue<string>());

    [Theory]
    [InlineData("garbage that is not json")]
    [InlineData("{ not valid json")]
    [InlineData("[1, 2, \"three\"]")]
    [InlineData("{\"event\": 42, \"data\": 1}")]
    [InlineData("{\"rid\": \"not a number\"}")]
    [InlineData("{\"something\": \"else\"}")]
    public async Task A_frame_that_is_not_a_packet_is_a_raw_message_and_the_socket_stays_open(string frame)
    {
        var raw = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var socket = await RawSocket.Connect(_server.Url);
        var serverSocket = _server.Server.Clients[socket.Id!];
        _ = serverSocket.Listener(SocketEvents.Raw).RunForeach(e => raw.TrySetResult(e), _server.Server.Materializer);

        await socket.Send(frame);
        Assert.Equal(frame, await raw.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await socket.Send("""{"event":"echo","data":"after","cid":2}""");
        Assert.Equal("""{"rid":2,"data":"after"}""", await socket.Receive());
        await BystanderStillWorks();
    }

    [Fact]
    public async Task A_binary_frame_is_decoded_as_UTF8_text()
    {
        await using var socket = await RawSocket.Connect(_server.Url);
        await socket.Send(Encoding.UTF8.GetBytes("""{"event":"echo","data":"binary","cid":3}"""), WebSocketMessageType.Binary);
        Assert.Equal("""{"rid":3,"data":"binary"}""", await socket.Receive());
    }

    [Fact]
    public async Task A_batch_frame_is_processed_in_order()
    {
        await using var socket = await RawSocket.Connect(_server.Url);
        await socket.Send("""[{"event":"echo","data":"a","cid":2},{"event":"echo","data":"b","cid":3}]""");
        Assert.Equal("""{"rid":2,"data":"a"}""", await socket.Receive());
        Assert.Equal("""{"rid":3,"data":"b"}""", await socket.Receive());
    }

    [Fact]
    public async Task A_frame_over_max_payload_closes_that_socket_with_1009()
    {
        await using var socket = await RawSocket.Connect(_server.Url);
        await socket.Send($$"""{"event":"echo","data":"{{new string('x', 2000)}}","cid":2}""");
        Assert.Equal(CloseCodes.MessageTooBig, await socket.WaitForClose());
        await BystanderStillWorks();
    }

    [Fact]
    public async Task An_abrupt_TCP_drop_ends_the_socket_with_1006()
    {
        var closed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var socket = await RawSocket.Connect(_server.Url);
        var serverSocket = _server.Server.Clients[socket.Id!];
        _ = serverSocket.Listener(SocketEvents.Close).RunForeach(e => closed.TrySetResult(e.Code), _server.Server.Materializer);

        socket.Abort();
        Assert.Equal(CloseCodes.HungUp, await closed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await BystanderStillWorks();
    }

    [Fact]
    public async Task A_refused_origin_gets_HTTP_403()
    {
        await using var strict = await TestServer.Start(o => o.Origins = "allowed.example:80");
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{strict.Port}/socketcluster/");
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        request.Headers.Add("Origin", "http://evil.example");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Invalid origin", await response.Content.ReadAsStringAsync());

        var allowed = new ClientWebSocket();
        allowed.Options.SetRequestHeader("Origin", "http://allowed.example");
        await allowed.ConnectAsync(new Uri(strict.Url), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, allowed.State);
        allowed.Abort();
    }

    [Fact]
    public async Task Health_answers_200_once_the_node_accepts_connections()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://localhost:{_server.Port}/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"ready\":true", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A client that stops reading is disconnected at the outbound queue limit instead of growing memory.</summary>
public sealed class SlowReaderSpec
{
    [Fact]
    public async Task A_client_that_stops_reading_is_disconnected_with_4100()
    {
        await using var server = await TestServer.Start(o => o.OutboundQueueLimit = 20);
        await using var socket = await RawSocket.Connect(server.Url);
        var serverSocket = server.Server.Clients[socket.Id!];
        var disconnected = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = serverSocket.Listener(SocketEvents.Disconnect).RunForeach(e => disconnected.TrySetResult(e.Code), server.Server.Materializer);
        await socket.Send("""{"event":"#subscribe","data":{"channel":"flood"},"cid":2}""");
        Assert.Equal("""{"rid":2}""", await socket.Receive());

        // From here the client reads nothing: kernel and Kestrel buffers fill, then the socket's queue.
        var big = new string('x', 64 * 1024);
        for (var i = 0; i < 1000 && !disconnected.Task.IsCompleted; i++)
            await server.Server.Exchange.InvokePublishAsync("flood", big);

        Assert.Equal(CloseCodes.OutboundQueueOverflow, await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, server.Server.ClientsCount);
    }
}
