using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace AGServer.Bench.Floor;

/// <summary>
/// One connection: a receive loop that parses each message with JsonDocument, and one writer draining its channel;
/// pinged by the keep-alive once its handshake is answered.
/// </summary>
internal sealed class FloorSocket(WebSocket webSocket, FloorHub hub, FloorKeepAlive keepAlive)
{
    private readonly Channel<byte[]> _outbound = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _channels = new();
    private long _lastHeard = Environment.TickCount64;

    /// <summary>The keep-alive's slot for this socket.</summary>
    public int Slot { get; set; }

    /// <summary>When the client last sent anything (a pong is an empty message), in <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long LastHeard => Volatile.Read(ref _lastHeard);

    public void Send(byte[] frame) => _outbound.Writer.TryWrite(frame);

    /// <summary>Drops a client that went silent.</summary>
    public void Abort() => webSocket.Abort();

    public async Task RunAsync()
    {
        var writer = WriteAsync();
        try
        {
            await ReceiveAsync();
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            keepAlive.Remove(this);
            foreach (var channel in _channels) hub.Unsubscribe(channel, this);
            _outbound.Writer.TryComplete();
            await writer;
        }
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync())
                await webSocket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (webSocket.State == WebSocketState.Open)
        {
            var result = await webSocket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close) return;
            buffer.Advance(result.Count);
            if (!result.EndOfMessage) continue;
            Volatile.Write(ref _lastHeard, Environment.TickCount64);
            if (buffer.WrittenCount > 0) Handle(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
        }
    }

    private void Handle(ReadOnlyMemory<byte> message)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var name)) return;
        long? cid = root.TryGetProperty("cid", out var c) ? c.GetInt64() : null;
        root.TryGetProperty("data", out var data);
        switch (name.GetString())
        {
            case "#handshake":
                Reply(cid, $$"""{"id":"{{Guid.NewGuid():N}}","pingTimeout":{{keepAlive.PingTimeout}},"isAuthenticated":false}""");
                keepAlive.Add(this);
                break;
            case "#subscribe":
                var channel = data.GetProperty("channel").GetString()!;
                _channels.Add(channel);
                hub.Subscribe(channel, this);
                Reply(cid, null);
                break;
            case "#unsubscribe":
                _channels.Remove(data.GetString()!);
                hub.Unsubscribe(data.GetString()!, this);
                Reply(cid, null);
                break;
            case "#publish":
                var target = data.GetProperty("channel").GetString()!;
                var frame = Encoding.UTF8.GetBytes($$$"""{"event":"#publish","data":{"channel":{{{JsonSerializer.Serialize(target)}}},"data":{{{data.GetProperty("data").GetRawText()}}}}}""");
                foreach (var subscriber in hub.Of(target)) subscriber.Send(frame);
                Reply(cid, null);
                break;
            case "echo":
                Reply(cid, data.ValueKind == JsonValueKind.Undefined ? null : data.GetRawText());
                break;
        }
    }

    private void Reply(long? cid, string? data)
    {
        if (cid is not { } rid) return;
        Send(Encoding.UTF8.GetBytes(data is null ? $$"""{"rid":{{rid}}}""" : $$"""{"rid":{{rid}},"data":{{data}}}"""));
    }
}
