using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using AGServer.Protocol;
using static AGServer.Sockets.TransportMessages;

namespace AGServer.Sockets;

/// <summary>
/// A socket's connection over a Kestrel <see cref="WebSocket"/>: one receive loop that hands whole frames to the
/// socket actor, and one bounded outbound queue drained by one writer. A client that stops reading fills the
/// queue up to <c>OutboundQueueLimit</c> and is then disconnected, instead of growing memory.
/// </summary>
public sealed class WebSocketTransport : ISocketTransport
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly WebSocket _webSocket;
    private readonly int? _maxPayload;
    private readonly int _queueLimit;
    private readonly Channel<Outbound> _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });
    private readonly CancellationTokenSource _receiveCancellation = new();
    private readonly CancellationTokenSource _sendCancellation = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IActorRef _actor = ActorRefs.Nobody;
    private int _queued;
    private long _bytesReceived;
    private int _closeRequested;
    private int _overflowReported;
    private int _closedReported;

    public WebSocketTransport(WebSocket webSocket, int? maxPayload, int queueLimit)
    {
        _webSocket = webSocket;
        _maxPayload = maxPayload;
        _queueLimit = queueLimit;
    }

    /// <summary>Completes when the connection is over (both loops ended).</summary>
    public Task Completion => _completion.Task;

    public int QueuedFrames => Volatile.Read(ref _queued);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public void Abort() => _webSocket.Abort();

    public void Attach(IActorRef socketActor)
    {
        _actor = socketActor;
        _ = RunAsync();
    }

    public bool Send(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closeRequested) == 1) return false;
        if (Interlocked.Increment(ref _queued) > _queueLimit)
        {
            Interlocked.Decrement(ref _queued);
            if (Interlocked.Exchange(ref _overflowReported, 1) == 0) _actor.Tell(OutboundOverflow.Instance);
            return false;
        }
        if (_outbound.Writer.TryWrite(new Outbound(frame, 0, null))) return true;
        Interlocked.Decrement(ref _queued);
        return false;
    }

    public void Close(int code, string? reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 1) return;
        // A client that does not read or does not answer the close gets cut off after a while.
        _sendCancellation.CancelAfter(CloseHandshakeTimeout);
        _receiveCancellation.CancelAfter(CloseHandshakeTimeout * 2);
        _outbound.Writer.TryWrite(new Outbound(default, code, reason));
        _outbound.Writer.TryComplete();
    }

    private async Task RunAsync()
    {
        var writer = WriteLoop();
        await ReceiveLoop();
        Close(CloseCodes.Normal, null);
        await writer;
        _webSocket.Dispose();
        _completion.TrySetResult();
    }

    private async Task ReceiveLoop()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var result = await _webSocket.ReceiveAsync(buffer.AsMemory(count), _receiveCancellation.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var code = (int?)_webSocket.CloseStatus ?? CloseCodes.NoStatus;
                    ReportClosed(code, string.IsNullOrEmpty(_webSocket.CloseStatusDescription) ? null : _webSocket.CloseStatusDescription);
                    // Answer the client's close with its own code, after what is queued.
                    Close(code == CloseCodes.NoStatus ? CloseCodes.Normal : code, null);
                    return;
                }
                count += result.Count;
                Interlocked.Add(ref _bytesReceived, result.Count);
                if (count > _maxPayload)
                {
                    ReportClosed(CloseCodes.MessageTooBig, CloseCodes.ReasonFor(CloseCodes.MessageTooBig));
                    Close(CloseCodes.MessageTooBig, CloseCodes.ReasonFor(CloseCodes.MessageTooBig));
                    return;
                }
                if (result.EndOfMessage)
                {
                    _actor.Tell(new FrameReceived(buffer.AsSpan(0, count).ToArray()));
                    count = 0;
                }
            }
        }
        catch (Exception)
        {
            // Whatever broke the connection (reset, abort, protocol error), the socket hung up.
            ReportClosed(CloseCodes.HungUp, null);
            _webSocket.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WriteLoop()
    {
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var item))
                {
                    if (item.CloseCode != 0)
                    {
                        await SendClose(item.CloseCode, item.CloseReason);
                        return;
                    }
                    await _webSocket.SendAsync(item.Frame, WebSocketMessageType.Text, true, _sendCancellation.Token);
                    Interlocked.Decrement(ref _queued);
                }
            }
        }
        catch (Exception)
        {
            _webSocket.Abort();
        }
        finally
        {
            while (reader.TryRead(out _)) Interlocked.Decrement(ref _queued);
        }
    }

    private async Task SendClose(int code, string? reason)
    {
        if (_webSocket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        if (!IsSendableCode(code)) code = CloseCodes.ServerFault;
        await _webSocket.CloseOutputAsync((WebSocketCloseStatus)code, Truncate(reason), _sendCancellation.Token);
    }

    /// <summary>1005, 1006 and 1015 are reserved: they describe a close, they cannot be sent in one.</summary>
    private static bool IsSendableCode(int code) =>
        code is >= 1000 and <= 1011 and not (1004 or 1005 or 1006) or >= 3000 and <= 4999;

    /// <summary>A close reason may hold at most 123 bytes.</summary>
    private static string? Truncate(string? reason)
    {
        if (reason is null || Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        var length = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > 123) length--;
        return reason[..length];
    }

    private void ReportClosed(int code, string? reason)
    {
        if (Interlocked.Exchange(ref _closedReported, 1) == 0) _actor.Tell(new TransportClosed(code, reason));
    }

    private readonly record struct Outbound(ReadOnlyMemory<byte> Frame, int CloseCode, string? CloseReason);
}
