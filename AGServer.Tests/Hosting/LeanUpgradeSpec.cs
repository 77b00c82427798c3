using System.Net.Sockets;
using System.Text;
using AGServer.Hosting;
using AGServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AGServer.Tests.Hosting;

/// <summary>
/// AGServerOptions.LeanUpgrade (on in AGServerApp's node): upgrades of the socket path are answered on Kestrel's
/// connection; everything else on the same port still reaches Kestrel. Kestrel's own 101 carries a <c>Server</c>
/// header and the lean one does not, which tells the two paths apart from outside.
/// </summary>
public sealed class LeanUpgradeSpec
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string UpgradeRequest(int port, string target = "/socketcluster/", string extra = "") =>
        $"GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Key}\r\n{extra}\r\n";

    /// <summary>Sends <paramref name="request"/> in two writes on a new connection; returns the response head and what body came with it.</summary>
    private static async Task<string> Exchange(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("localhost", port);
        var stream = client.GetStream();
        var bytes = Encoding.ASCII.GetBytes(request);
        await stream.WriteAsync(bytes.AsMemory(0, 20));
        await stream.FlushAsync();
        await stream.WriteAsync(bytes.AsMemory(20));
        return await ReadResponse(stream);
    }

    private static async Task<string> ReadResponse(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } header
                    ? int.Parse(header["Content-Length:".Length..].Trim())
                    : 0;
                if (text.Length >= end + 4 + length) return text;
            }
            var count = await stream.ReadAsync(buffer, timeout.Token);
            if (count == 0) return received.ToString();
            received.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }
    }

    [Fact]
    public async Task The_node_answers_the_upgrade_itself_and_its_sockets_work()
    {
        await using var server = await TestServer.Start();

        var response = await Exchange(server.Port, UpgradeRequest(server.Port));
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", response);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", response); // RFC 6455's example key
        Assert.DoesNotContain("Server:", response);

        await using var socket = await RawSocket.Connect(server.Url);
        Assert.NotNull(socket.Id);
        await socket.Send("""{"event":"echo","data":{"n":1},"cid":2}""");
        Assert.Equal("""{"rid":2,"data":{"n":1}}""", await socket.Receive());
    }

    [Fact]
    public async Task Other_requests_on_the_same_port_reach_kestrel()
    {
        await using var server = await TestServer.Start();

        using var http = new HttpClient();
        var health = await http.GetAsync($"http://localhost:{server.Port}/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        // An upgrade of another path: Kestrel's routing answers it (404), not the lean path.
        var other = await Exchange(server.Port, UpgradeRequest(server.Port, "/elsewhere/"));
        Assert.StartsWith("HTTP/1.1 404", other);
        Assert.Contains("Server: Kestrel", other);
    }

    [Fact]
    public async Task Refused_upgrades_are_answered_on_the_connection_with_the_status_and_why()
    {
        await using var server = await TestServer.Start(options => options.Origins = "allowed.example:*");

        var rejected = await Exchange(server.Port, UpgradeRequest(server.Port, "/socketcluster/?reject=ws", "Origin: http://allowed.example\r\n"));
        Assert.StartsWith("HTTP/1.1 401 Unauthorized\r\n", rejected);
        Assert.EndsWith("The WebSocket handshake was rejected", rejected);
        var foreign = await Exchange(server.Port, UpgradeRequest(server.Port, extra: "Origin: http://elsewhere.example\r\n"));
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", foreign);
        Assert.EndsWith("Invalid origin: http://elsewhere.example", foreign);
        var allowed = await Exchange(server.Port, UpgradeRequest(server.Port, extra: "Origin: http://allowed.example\r\n"));
        Assert.StartsWith("HTTP/1.1 101", allowed);
    }

    [Fact]
    public async Task Turned_off_kestrel_answers_the_upgrade_and_sockets_work_the_same()
    {
        await using var server = await TestServer.Start(null, "--AGServer:LeanUpgrade=false");

        var response = await Exchange(server.Port, UpgradeRequest(server.Port));
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", response);
        Assert.Contains("Server: Kestrel", response);
        await using var socket = await RawSocket.Connect(server.Url);
        await socket.Send("""{"event":"echo","data":"x","cid":2}""");
        Assert.Equal("""{"rid":2,"data":"x"}""", await socket.Receive());
    }

    [Fact]
    public async Task A_half_sent_request_head_is_closed_after_kestrels_request_headers_timeout()
    {
        var builder = AGServerApp.CreateBuilder(["--port", "0"]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromMilliseconds(300));
        await using var app = builder.Build();
        app.MapAGServer();
        await app.StartAsync();
        var port = new Uri(AGServerApp.WebSocketUrl(app)).Port;

        using var client = new TcpClient();
        await client.ConnectAsync("localhost", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /socketcluster/ HTTP/1.1\r\nHost: x\r\n"));
        // The server ends the connection: the read sees its end (or a reset), well within the test's own limit.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var ended = await Task.Run(async () =>
        {
            try
            {
                return await stream.ReadAsync(new byte[16], limit.Token) == 0;
            }
            catch (IOException)
            {
                return true;
            }
        });
        Assert.True(ended);
    }

    [Fact]
    public void A_convention_on_the_socket_endpoint_fails_instead_of_silently_not_applying()
    {
        var builder = AGServerApp.CreateBuilder(["--port", "0"]);
        using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapAGServer().RequireHost("ws.example.com"));
        Assert.Contains("LeanUpgrade", error.Message);
    }
}
