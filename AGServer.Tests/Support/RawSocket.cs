using System.Net.WebSockets;
using System.Text;

namespace AGServer.Tests.Support;

/// <summary>A bare WebSocket client for sending what a well-behaved SocketCluster client never would.</summary>
public sealed class RawSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    /// <param name="receiveBuffer">
    /// The connection's kernel receive buffer in bytes, fixed (no autotuning, which may grow it to tens of megabytes):
    /// for a client that stops reading and must fill the server's queues soon. Null: the system's.
    /// </param>
    public static async Task<RawSocket> Connect(string url, bool handshake = true, int? receiveBuffer = null)
    {
        var raw = new RawSocket();
        raw._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (receiveBuffer is { } size)
        {
            var handler = new System.Net.Http.SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
                    {
                        NoDelay = true,
                        ReceiveBufferSize = size,
                    };
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                },
            };
            await raw._socket.ConnectAsync(new Uri(url), new System.Net.Http.HttpMessageInvoker(handler), CancellationToken.None);
        }
        else await raw._socket.ConnectAsync(new Uri(url), CancellationToken.None);
        if (handshake)
        {
            await raw.Send("""{"event":"#handshake","data":{},"cid":1}""");
            var answer = System.Text.Json.JsonDocument.Parse((await raw.Receive())!).RootElement;
            raw.Id = answer.GetProperty("data").GetProperty("id").GetString();
        }
        return raw;
    }

    /// <summary>The socket id from the handshake answer (null without a handshake).</summary>
    public string? Id { get; private set; }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    public Task Send(string text) => Send(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task Send(byte[] bytes, WebSocketMessageType type) =>
        await _socket.SendAsync(bytes, type, true, CancellationToken.None);

    /// <summary>The next non-ping frame, or null once the server closed the socket.</summary>
    public async Task<string?> Receive(TimeSpan? timeout = null, bool skipPings = true)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var count = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer.AsMemory(count), cancel.Token) is var r
                    ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage)
                    : null!;
                if (result.MessageType == WebSocketMessageType.Close) return null;
                count += result.Count;
            } while (!result.EndOfMessage);
            if (count == 0 && skipPings) continue; // a protocol 2 ping
            return Encoding.UTF8.GetString(buffer, 0, count);
        }
    }

    /// <summary>Reads until the server closes; returns the close code.</summary>
    public async Task<int> WaitForClose(TimeSpan? timeout = null)
    {
        while (await Receive(timeout) is not null)
        {
        }
        return (int)_socket.CloseStatus!;
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
