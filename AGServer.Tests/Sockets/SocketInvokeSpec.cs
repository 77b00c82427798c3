using System.Text.Json;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Sockets;

public sealed class SocketInvokeSpec : ServerTestKit
{
    [Fact]
    public async Task An_invoke_completes_with_the_client_response()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        var result = socket.InvokeAsync("question", new { x = 1 });
        var sent = JsonDocument.Parse(await transport.NextFrame()).RootElement;
        Assert.Equal("question", sent.GetProperty("event").GetString());
        Assert.Equal(1, sent.GetProperty("data").GetProperty("x").GetInt32());
        var cid = sent.GetProperty("cid").GetInt64();
        await transport.Receive($"{{\"rid\":{cid},\"data\":{{\"answer\":42}}}}");

        Assert.Equal(42, (await result.WaitAsync(TimeSpan.FromSeconds(10))).GetProperty("answer").GetInt32());
    }

    [Fact]
    public async Task A_client_error_response_fails_the_invoke_with_that_error()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        var result = socket.InvokeAsync("question");
        var cid = JsonDocument.Parse(await transport.NextFrame()).RootElement.GetProperty("cid").GetInt64();
        await transport.Receive($"{{\"rid\":{cid},\"error\":{{\"name\":\"NopeError\",\"message\":\"no\",\"extra\":7}}}}");

        var error = await Assert.ThrowsAsync<ClientError>(() => result.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("NopeError", error.Name);
        Assert.Equal("no", error.Message);
        Assert.Equal(7, ((JsonElement)error.Properties["extra"]!).GetInt32());
    }

    [Fact]
    public async Task An_unanswered_invoke_fails_with_TimeoutError_after_the_ack_timeout()
    {
        var server = await StartServer(o => o.AckTimeout = 150);
        await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        var error = await Assert.ThrowsAsync<TimeoutError>(() => socket.InvokeAsync("silence").WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("Event response for silence event timed out", error.Message);
        var perCall = await Assert.ThrowsAsync<TimeoutError>(() =>
            socket.InvokeAsync("silence", null, TimeSpan.FromMilliseconds(50)).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("TimeoutError", perCall.Name);
    }

    [Fact]
    public async Task An_invoke_with_an_ack_timeout_that_is_not_positive_is_refused_before_anything_is_sent()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = socket.InvokeAsync("anything", null, TimeSpan.Zero); });
        Assert.Equal("ackTimeout", error.ParamName);
        socket.Transmit("after", 1);
        Assert.Contains("\"after\"", await transport.NextFrame(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_pending_invoke_fails_with_BadConnectionError_when_the_socket_closes()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);

        var result = socket.InvokeAsync("question");
        await transport.NextFrame();
        await transport.HangUp(CloseCodes.HungUp);

        var error = await Assert.ThrowsAsync<BadConnectionError>(() => result.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("disconnect", error.Type);
        await AwaitAssertAsync(() => Assert.Equal(0, server.ClientsCount));
    }

    [Fact]
    public async Task Invoking_a_closed_socket_fails_at_once_with_BadConnectionError()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        await transport.HangUp(CloseCodes.Normal);
        await AwaitAssertAsync(() => Assert.Equal(SocketState.Closed, socket.State));

        var error = await Assert.ThrowsAsync<BadConnectionError>(() => socket.InvokeAsync("late"));
        Assert.Equal("connectAbort", error.Type);
    }
}
