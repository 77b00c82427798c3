using System.Net.WebSockets;
using System.Text;

namespace AGServer.Tests.Support;

/// <summary>A bare WebSocket client for sending what a well-behaved SocketCluster client never would.</summary>
public sealed class RawSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public static async Task<RawSocket> Connect(string url, bool handshake = true)
    {
        var raw = new RawSocket();
        raw._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await raw._socket.ConnectAsync(new Uri(url), CancellationToken.None);
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
    public async Task<string?> Receive(TimeSpan? timeout = null)
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
            if (count == 0) continue; // ping
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
