using AGServer.Diagnostics;
using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using AGServer.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace AGServer.Hosting;

/// <summary>
/// <see cref="Server.AGServerOptions.LeanUpgrade"/>: a Kestrel connection middleware that answers a WebSocket upgrade of the
/// socket path itself and runs the WebSocket straight on the connection's pipes, so a connection holds neither
/// Kestrel's HTTP/1.1 connection nor an <c>HttpContext</c> for its lifetime (BENCHMARKS.md has what that saves), and frames skip the
/// upgraded request's stream layers. The connection's first bytes are looked at without being consumed: anything that
/// is not a plain upgrade of the path (<see cref="UpgradeRequestHead"/>) goes on to Kestrel's HTTP pipeline unchanged.
/// </summary>
internal sealed class LeanUpgradeMiddleware(ConnectionDelegate next, IServiceProvider services, KestrelServerLimits limits)
{
    private static readonly WebSocketCreationOptions WebSocketOptions = new() { IsServer = true, KeepAliveInterval = TimeSpan.Zero };

    private SocketClusterServer? _server;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var server = _server ??= services.GetRequiredService<SocketClusterServer>();
        var (head, handOn) = await ReadHeadAsync(connection, server);
        if (head is null)
        {
            if (handOn) await next(connection);
            return;
        }
        var remote = connection.RemoteEndPoint as IPEndPoint;
        var request = new SocketRequest(
            head.Target,
            SocketRequest.QueryOf(head.QueryString),
            head.Headers,
            remote?.Address,
            remote?.Port ?? 0);
        var decision = await SocketAdmission.DecideAsync(server, request, head.Headers.GetValueOrDefault("Origin") ?? "");
        var output = connection.Transport.Output;
        if (!decision.Admitted)
        {
            await output.WriteAsync(Refusal(decision.StatusCode, decision.Message));
            return;
        }
        try
        {
            WriteSwitchingProtocols(output, head.Key);
            await output.FlushAsync();
        }
        catch
        {
            SocketAdmission.Abandon(server, request);
            throw;
        }
        await using var stream = new DuplexPipeStream(connection.Transport);
        using var webSocket = WebSocket.CreateFromStream(stream, WebSocketOptions);
        await SocketAdmission.ServeAsync(server, request, decision, webSocket, Peer(remote));
    }

    /// <summary>
    /// Reads the connection's first bytes until they are a plain upgrade of the socket path (the head, consumed), or
    /// something else (no head; hand on: nothing consumed, Kestrel reads the same bytes), or the connection ended or
    /// sent half a head within Kestrel's request-headers timeout (no head, do not hand on: close).
    /// </summary>
    private async Task<(UpgradeRequestHead? Head, bool HandOn)> ReadHeadAsync(ConnectionContext connection, SocketClusterServer server)
    {
        var input = connection.Transport.Input;
        // Kestrel's own limit for a request head, read per connection (the application may set it after this was made).
        var headTimeout = limits.RequestHeadersTimeout;
        using var timeout = new CancellationTokenSource(headTimeout);
        var sawBytes = false;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Nothing sent yet: Kestrel keeps or drops idle connections by its own rules. Half a head: what
                // Kestrel does on its request-headers timeout, close.
                if (!sawBytes) return (null, true);
                ServerLog.RequestHeadTimedOut(server.TransportLogger, Peer(connection.RemoteEndPoint as IPEndPoint), headTimeout.TotalMilliseconds);
                return (null, false);
            }
            var buffer = read.Buffer;
            sawBytes |= !buffer.IsEmpty;
            switch (UpgradeRequestHead.TryRead(buffer, server.Options.Path, server.Options.PerMessageDeflate, out var head))
            {
                case UpgradeRequestHead.Verdict.Upgrade:
                    input.AdvanceTo(buffer.GetPosition(head!.Length));
                    return (head, false);
                case UpgradeRequestHead.Verdict.NotOurs:
                    input.AdvanceTo(buffer.Start);
                    return (null, true);
            }
            if (read.IsCompleted) return (null, false);
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static string Peer(IPEndPoint? remote) => $"{remote?.Address}:{remote?.Port}";

    private static ReadOnlySpan<byte> SwitchingProtocolsHead =>
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;

    /// <summary>The 101 answer, written into the connection's pipe without a string on the way.</summary>
    private static void WriteSwitchingProtocols(PipeWriter output, string key)
    {
        Span<byte> response = stackalloc byte[SwitchingProtocolsHead.Length + AcceptKeyLength + 4];
        SwitchingProtocolsHead.CopyTo(response);
        WriteAcceptKey(key, response[SwitchingProtocolsHead.Length..]);
        "\r\n\r\n"u8.CopyTo(response[(SwitchingProtocolsHead.Length + AcceptKeyLength)..]);
        output.Write(response);
    }

    internal const int AcceptKeyLength = 28;

    /// <summary>RFC 6455 4.2.2: base64 of the SHA-1 of the key (24 characters, checked by the head) and the protocol's GUID.</summary>
    internal static void WriteAcceptKey(string key, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[24 + 36];
        Encoding.ASCII.GetBytes(key, input);
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.CopyTo(input[24..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        Base64.EncodeToUtf8(hash, destination, out _, out _);
    }

    private static byte[] Refusal(int status, string? message)
    {
        var body = Encoding.UTF8.GetBytes(message ?? "");
        var head = $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\nContent-Type: text/plain; charset=utf-8\r\n" +
                   $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }
}
