using AGServer.Sockets.Internal;
using System.Text.Json;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Testing;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Sockets;

public sealed class SocketHandshakeSpec : ServerTestKit
{
    [Fact]
    public async Task The_handshake_answer_carries_the_socket_id_and_ping_timeout()
    {
        var server = await StartServer(o => o.PingTimeout = 12345);
        var (_, answer) = await OpenAndHandshake(server);

        Assert.Equal(1, answer.GetProperty("rid").GetInt32());
        var data = answer.GetProperty("data");
        var id = data.GetProperty("id").GetString()!;
        Assert.Equal(12345, data.GetProperty("pingTimeout").GetInt32());
        Assert.False(data.GetProperty("isAuthenticated").GetBoolean());
        Assert.False(data.TryGetProperty("authError", out _));
        await AwaitAssertAsync(() =>
        {
            Assert.Equal(1, server.ClientsCount);
            Assert.Equal(0, server.PendingClientsCount);
            Assert.Equal(SocketState.Open, server.Clients[id].State);
        });
    }

    [Fact]
    public async Task A_socket_is_pending_until_its_handshake()
    {
        var server = await StartServer();
        await Open(server);
        await AwaitAssertAsync(() => Assert.Equal(1, server.PendingClientsCount));
        Assert.Equal(0, server.ClientsCount);
    }

    [Fact]
    public async Task No_handshake_before_the_timeout_closes_with_4005()
    {
        var server = await StartServer(o => o.HandshakeTimeout = 200);
        var transport = await Open(server);
        var (code, _) = await transport.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CloseCodes.HandshakeTimedOut, code);
        await AwaitAssertAsync(() => Assert.Equal(0, server.PendingClientsCount));
    }

    [Fact]
    public async Task A_socket_that_shook_hands_stays_open_past_the_handshake_timeout()
    {
        var server = await StartServer(o => o.HandshakeTimeout = 200);
        var (transport, answer) = await OpenAndHandshake(server);
        var id = answer.GetProperty("data").GetProperty("id").GetString()!;
        await AwaitAssertAsync(() => Assert.Equal(0, server.HandshakeDeadlines.Waiting), TimeSpan.FromSeconds(10));

        // Anything the deadline had told the socket would be in its mailbox ahead of this round trip.
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"after"},"cid":2}""");
        Assert.StartsWith("{\"rid\":2", await transport.NextFrame());
        Assert.Equal(SocketState.Open, server.Clients[id].State);
        Assert.False(transport.Closed.IsCompleted);
    }

    [Theory]
    [InlineData("""{"event":"echo","data":1,"cid":1}""")]
    [InlineData("")]
    [InlineData("not json")]
    public async Task A_message_before_the_handshake_closes_with_4009(string frame)
    {
        var server = await StartServer();
        var transport = await Open(server);
        await transport.Receive(frame);
        var (code, reason) = await transport.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CloseCodes.MessageBeforeHandshake, code);
        Assert.Equal("Server received a message before the client handshake", reason);
    }

    [Fact]
    public async Task Without_strict_handshake_a_message_before_the_handshake_is_allowed()
    {
        var server = await StartServer(o => o.StrictHandshake = false);
        var transport = await Open(server);
        await transport.Receive("""{"event":"something","data":1}""");
        await transport.Receive("""{"event":"#handshake","data":{},"cid":1}""");
        var answer = JsonDocument.Parse(await transport.NextFrame()).RootElement;
        Assert.Equal(1, answer.GetProperty("rid").GetInt32());
    }

    [Fact]
    public async Task A_handshake_without_cid_is_malformed_and_closes_with_4008()
    {
        var server = await StartServer();
        var transport = await Open(server);
        await transport.Receive("""{"event":"#handshake","data":{}}""");
        var (code, _) = await transport.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CloseCodes.HandshakeRejected, code);
    }

    [Fact]
    public async Task No_pong_within_the_ping_timeout_closes_with_4001()
    {
        var server = await StartServer(o =>
        {
            o.PingInterval = 100;
            o.PingTimeout = 300;
        });
        var (transport, _) = await OpenAndHandshake(server);
        var (code, _) = await transport.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CloseCodes.ClientPongTimedOut, code);
    }

    [Fact]
    public async Task A_socket_is_not_pinged_before_its_handshake()
    {
        // A ping before the handshake would make the client pong, which a strict handshake punishes with 4009.
        var server = await StartServer(o =>
        {
            o.PingInterval = 20;
            o.PingTimeout = 5000;
        });
        var transport = await Open(server);
        // Three pings to a socket that did shake hands: the wheel went round three times past both.
        var (other, _) = await OpenAndHandshake(server);
        for (var i = 0; i < 3; i++) Assert.Equal("", await other.NextFrame(skipPings: false));
        await transport.Receive("""{"event":"#handshake","data":{},"cid":1}""");
        Assert.StartsWith("{\"rid\":1", await transport.NextFrame(skipPings: false));
        Assert.Equal("", await transport.NextFrame(skipPings: false));
    }

    [Fact]
    public async Task Every_socket_is_pinged_once_per_interval_and_a_silent_one_alone_is_closed()
    {
        var server = await StartServer(o =>
        {
            o.PingInterval = 100;
            o.PingTimeout = 1000;
        });
        var talking = new List<InMemoryTransport>();
        for (var i = 0; i < 20; i++) talking.Add((await OpenAndHandshake(server)).Transport);
        var (silent, _) = await OpenAndHandshake(server);
        // Each talking socket answers 15 pings (1.5 s, past the timeout); the silent one is closed meanwhile. The timeout
        // is several intervals: a machine running other specs alongside may delay a pong by a few hundred milliseconds.
        await Task.WhenAll(talking.Select(async transport =>
        {
            for (var i = 0; i < 15; i++)
            {
                Assert.Equal("", await transport.NextFrame(skipPings: false));
                await transport.Receive("");
            }
        }));
        var (code, _) = await silent.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CloseCodes.ClientPongTimedOut, code);
        Assert.All(talking, transport => Assert.False(transport.Closed.IsCompleted));
        Assert.Equal(20, server.KeepAlive!.Count);
    }

    [Fact]
    public async Task Protocol_version_2_pings_with_empty_frames_and_pongs_keep_the_socket_alive()
    {
        var server = await StartServer(o =>
        {
            o.PingInterval = 100;
            o.PingTimeout = 1000;
        });
        var (transport, _) = await OpenAndHandshake(server);
        // Answer fifteen pings: 1.5 s, past the timeout, so only the pongs keep it open (the timeout is several
        // intervals: a test machine running other specs alongside may delay a pong by a few hundred milliseconds).
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal("", await transport.NextFrame(skipPings: false));
            await transport.Receive("");
        }
        Assert.False(transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task Protocol_version_1_pings_with_hash_1_and_takes_hash_2_as_pong()
    {
        var server = await StartServer(o =>
        {
            o.ProtocolVersion = 1;
            o.PingInterval = 100;
            o.PingTimeout = 1000;
        });
        var (transport, _) = await OpenAndHandshake(server);
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal("#1", await transport.NextFrame(skipPings: false));
            await transport.Receive("#2");
        }
        Assert.False(transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task Ping_timeout_disabled_sends_no_pings_and_never_times_out()
    {
        var server = await StartServer(o =>
        {
            o.PingTimeoutDisabled = true;
            o.PingInterval = 50;
            o.PingTimeout = 100;
        });
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        // A negative check: 400 ms is eight ping intervals and four ping timeouts, so had pings been sent, or the socket been
        // timed out, several pings (or the close) would have come by now.
        await Task.Delay(400);
        // The first frame after them is this invoke: no ping (and no close) came first.
        var invoke = socket.InvokeAsync("hello", 1);
        var frame = await transport.NextFrame(skipPings: false);
        Assert.StartsWith("{\"event\":\"hello\"", frame);
        Assert.False(transport.Closed.IsCompleted);
        await transport.Receive("""{"rid":1,"data":"hi"}""");
        Assert.Equal("hi", (await invoke).GetString());
    }
}
