using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AGServer.Client;
using Xunit;

namespace AGServer.Tests.Client;

/// <summary>
/// A connect that runs out of <see cref="AGClientOptions.ConnectTimeout"/> says how far it got: a server that never
/// answers the WebSocket upgrade and one that upgrades but never answers <c>#handshake</c> give different messages.
/// </summary>
public sealed class AGClientConnectTimeoutSpec : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _accepted = new();

    public AGClientConnectTimeoutSpec() => _listener.Start();

    public void Dispose()
    {
        _listener.Stop();
        foreach (var client in _accepted) client.Dispose();
    }

    private Uri Url => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/socketcluster/");

    private static AGClientSocket Client(Uri url) =>
        new(new AGClientOptions { Uri = url, AutoReconnect = false, ConnectTimeout = TimeSpan.FromMilliseconds(500) });

    [Fact]
    public async Task A_server_that_never_upgrades_times_out_saying_the_WebSocket_did_not_open()
    {
        var silent = Task.Run(async () => _accepted.Add(await _listener.AcceptTcpClientAsync()));
        await using var client = Client(Url);

        var error = await Assert.ThrowsAsync<AGClientError>(() => client.ConnectAsync());

        Assert.Equal("TimeoutError", error.Name);
        Assert.EndsWith("the WebSocket did not open", error.Message);
        await silent;
    }

    [Fact]
    public async Task A_server_that_upgrades_but_never_answers_the_handshake_times_out_saying_so()
    {
        var upgraded = Task.Run(UpgradeAndStaySilent);
        await using var client = Client(Url);

        var error = await Assert.ThrowsAsync<AGClientError>(() => client.ConnectAsync());

        Assert.Equal("TimeoutError", error.Name);
        Assert.EndsWith("the server did not answer the handshake", error.Message);
        await upgraded;
    }

    /// <summary>Answers the HTTP upgrade (RFC 6455's accept key), then reads nothing and writes nothing.</summary>
    private async Task UpgradeAndStaySilent()
    {
        var tcp = await _listener.AcceptTcpClientAsync();
        _accepted.Add(tcp);
        var stream = tcp.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[1024];
        while (!request.ToString().Contains("\r\n\r\n"))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) return;
            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var key = request.ToString().Split("\r\n").First(line => line.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
    }
}
