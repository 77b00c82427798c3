using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace AGServer.Sockets.Internal;

/// <summary>
/// <see cref="InMemoryTransport"/> seen from the client's side as a <see cref="WebSocket"/>, made by
/// <see cref="SocketClusterServer.ConnectInMemoryAsync"/> for a client in the same process (the test kit's is
/// <c>AGServer.Client</c> itself, through its <c>WebSocketFactory</c>): frames the client sends
/// go to the socket's actor, frames and the close the socket sends are what the client receives. A closed or aborted
/// socket hangs up its connection; what the server sent before its close is read before the close.
/// </summary>
internal sealed class InMemoryWebSocket : WebSocket
{
    private readonly InMemoryTransport _transport;
    private readonly TaskCompletionSource<(int Code, string? Reason)> _hungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ArrayBufferWriter<byte> _sending = new();
    private byte[] _receiving = [];
    private int _received;
    private WebSocketState _state = WebSocketState.Open;
    private (int Code, string? Reason)? _close;

    public InMemoryWebSocket(InMemoryTransport transport) => _transport = transport;

    public override WebSocketCloseStatus? CloseStatus => (WebSocketCloseStatus?)_close?.Code;

    public override string? CloseStatusDescription => _close?.Reason;

    public override WebSocketState State => _state;

    public override string? SubProtocol => null;

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (_state != WebSocketState.Open) throw new WebSocketException(WebSocketError.InvalidState, $"The in-memory connection is {_state}.");
        _sending.Write(buffer.Span);
        if (!endOfMessage) return;
        var frame = _sending.WrittenSpan.ToArray();
        _sending.ResetWrittenCount();
        await _transport.Receive(frame).WaitAsync(cancellationToken);
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (_received == _receiving.Length)
        {
            if (_transport.Sent.TryRead(out var frame))
            {
                _receiving = Encoding.UTF8.GetBytes(frame);
                _received = 0;
                if (_receiving.Length == 0) return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Text, endOfMessage: true); // a ping
                break;
            }
            // The server's close comes after every frame it wrote before it: read those first.
            if (_transport.Closed.IsCompleted || _hungUp.Task.IsCompleted)
            {
                if (_transport.Sent.TryPeek(out _)) continue;
                _close = _transport.Closed.IsCompleted ? _transport.Closed.Result : _hungUp.Task.Result;
                _state = WebSocketState.Closed;
                return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, endOfMessage: true);
            }
            await Task.WhenAny(_transport.Sent.WaitToReadAsync(cancellationToken).AsTask(), _transport.Closed, _hungUp.Task).WaitAsync(cancellationToken);
        }
        var count = Math.Min(buffer.Length, _receiving.Length - _received);
        _receiving.AsSpan(_received, count).CopyTo(buffer.Span);
        _received += count;
        return new ValueWebSocketReceiveResult(count, WebSocketMessageType.Text, endOfMessage: _received == _receiving.Length);
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage, CloseStatus, CloseStatusDescription);
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        HangUpAsync((int)closeStatus, statusDescription);

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        HangUpAsync((int)closeStatus, statusDescription);

    public override void Abort() => _ = HangUpAsync(1006, null);

    public override void Dispose() => _ = HangUpAsync(1006, null);

    private Task HangUpAsync(int code, string? reason)
    {
        if (!_hungUp.TrySetResult((code, reason))) return Task.CompletedTask;
        if (_state == WebSocketState.Open) _state = WebSocketState.CloseSent;
        return _transport.Closed.IsCompleted ? Task.CompletedTask : _transport.HangUp(code);
    }
}
