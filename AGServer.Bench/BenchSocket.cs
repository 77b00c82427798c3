using System.Net.WebSockets;
using System.Text;

namespace AGServer.Bench;

/// <summary>
/// A SocketCluster client reduced to what a load generator needs: handshake, pongs, raw frames in and out.
/// No client library on the hot path; frames are handed to the scenario as bytes.
/// </summary>
public sealed class BenchSocket : IAsyncDisposable
{
    private static readonly byte[] Handshake = """{"event":"#handshake","data":{"authToken":null},"cid":1}"""u8.ToArray();

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _handshaken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<BenchSocket, ReadOnlySpan<byte>> _onFrame;
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;

    private BenchSocket(Action<BenchSocket, ReadOnlySpan<byte>> onFrame) => _onFrame = onFrame;

    /// <summary>Opens a socket and completes its SocketCluster handshake. Frames after it go to <paramref name="onFrame"/>.</summary>
    public static async Task<BenchSocket> Connect(Uri uri, Action<BenchSocket, ReadOnlySpan<byte>> onFrame)
    {
        var socket = new BenchSocket(onFrame);
        socket._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket._socket.ConnectAsync(uri, CancellationToken.None);
        socket._receiving = socket.ReceiveLoop();
        await socket.Send(Handshake);
        await socket._handshaken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return socket;
    }

    public async Task Send(ReadOnlyMemory<byte> frame)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task Send(string frame) => Send(Encoding.UTF8.GetBytes(frame));

    private async Task ReceiveLoop()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    count += result.Count;
                } while (!result.EndOfMessage);

                if (count == 0)
                {
                    _ = Send(ReadOnlyMemory<byte>.Empty); // pong
                    continue;
                }
                if (!_handshaken.Task.IsCompleted)
                {
                    _handshaken.TrySetResult();
                    continue;
                }
                _onFrame(this, buffer.AsSpan(0, count));
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested || _socket.State != WebSocketState.Open)
        {
        }
    }

    /// <summary>Drops the connection at once, with no close handshake (a client that vanished).</summary>
    public void Abort()
    {
        _stop.Cancel();
        _socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            _socket.Abort();
        }
        await _receiving.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
        _socket.Dispose();
    }

    /// <summary>Reads the integer after <paramref name="key"/> (such as <c>"t":</c>) in a frame.</summary>
    public static long ReadNumber(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> key)
    {
        var at = frame.IndexOf(key);
        if (at < 0) return -1;
        long value = 0;
        for (var i = at + key.Length; i < frame.Length && frame[i] is >= (byte)'0' and <= (byte)'9'; i++) value = value * 10 + (frame[i] - '0');
        return value;
    }
}
