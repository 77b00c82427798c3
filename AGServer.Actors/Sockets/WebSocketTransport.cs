using AGServer.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Akka.Actor;
using AGServer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static AGServer.Sockets.TransportMessages;

namespace AGServer.Sockets;

/// <summary>
/// A socket's connection over a Kestrel <see cref="WebSocket"/>. Inbound: one receive loop with a small buffer that
/// hands whole frames to the socket actor, bounded by an inbound window and the node's budget. Outbound: the socket's
/// <see cref="Internal.SocketOutbox"/> writes through it, one frame at a time; this class holds no outbound queue.
/// </summary>
internal sealed class WebSocketTransport : ISocketTransport
{
    private readonly WebSocket _webSocket;
    private readonly int? _maxPayload;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IActorRef _actor = ActorRefs.Nobody;
    private Internal.SocketOutbox? _outbox;
    private long _bytesReceived;
    private int _closedReported;

    private readonly ILogger _logger;
    private readonly string _peer;

    private readonly CancellationTokenSource _connectionOver = new();
    private readonly Internal.InboundBudget? _budget;
    private readonly Internal.InboundWindow _inbound;

    /// <param name="webSocket">The accepted connection.</param>
    /// <param name="maxPayload">The largest inbound message in bytes (null: no limit); a bigger one closes with 1009.</param>
    /// <param name="logger">For dropped connections.</param>
    /// <param name="peer">Who is on the other end (for logs), e.g. the remote address and port.</param>
    /// <param name="inboundWindow">Bytes of frames handed to the socket actor and not yet released, beyond which reading stops.</param>
    /// <param name="budget">The node's bound on inbound bytes across sockets, or null for none.</param>
    public WebSocketTransport(WebSocket webSocket, int? maxPayload, ILogger? logger = null, string? peer = null,
        int inboundWindow = Server.AGServerOptions.DefaultInboundWindow, Internal.InboundBudget? budget = null)
    {
        _budget = budget;
        _inbound = new Internal.InboundWindow(inboundWindow, budget);
        _logger = logger ?? NullLogger.Instance;
        _peer = peer ?? "?";
        _webSocket = webSocket;
        _maxPayload = maxPayload;
    }

    /// <summary>Completes when the connection is over.</summary>
    public Task Completion => _completion.Task;

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public CancellationToken ConnectionOver => _connectionOver.Token;

    public void Attach(IActorRef socketActor, Internal.SocketOutbox outbox)
    {
        _actor = socketActor;
        _outbox = outbox;
        _ = RunAsync();
    }

    private volatile Server.Internal.KeepAliveWheel.Member? _pongs;

    public void TakePongsWith(Server.Internal.KeepAliveWheel.Member? member) => _pongs = member;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> frame) =>
        _webSocket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);

    public void Abort()
    {
        _inbound.ConnectionGone(); // a reader waiting for the window goes on, to find the connection cut
        _webSocket.Abort();
    }

    private void Close(int code, string? reason) => _outbox!.Close(code, reason);

    private async Task RunAsync()
    {
        await ReceiveLoop();
        _inbound.EndReading();
        Close(CloseCodes.Normal, null);
        // The close goes out after what was queued before it; a client that does not read is aborted by the outbox's timer.
        await _outbox!.CloseWritten;
        _webSocket.Dispose();
        _connectionOver.Cancel();
        _completion.TrySetResult();
    }

    private async Task ReceiveLoop()
    {
        // A small buffer per connection (512 bytes of its ~24 KiB), grown for big messages and shrunk back after them.
        var buffer = new byte[SmallBuffer];
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length && !Grow(ref buffer))
                {
                    ReportClosed(CloseCodes.InboundBudgetExceeded, CloseCodes.ReasonFor(CloseCodes.InboundBudgetExceeded));
                    Close(CloseCodes.InboundBudgetExceeded, CloseCodes.ReasonFor(CloseCodes.InboundBudgetExceeded));
                    return;
                }
                var result = await _webSocket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
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
                if (!result.EndOfMessage) continue;
                // An idle connection's pong stops here when nothing else needs it: no copy, no trip through the actor.
                if (_pongs is { } pongs && buffer.AsSpan(0, count).SequenceEqual(pongs.Pong) && pongs.TryTakePong())
                {
                    count = 0;
                    continue;
                }
                ReadOnlyMemory<byte> frame;
                if (buffer.Length > SmallBuffer)
                {
                    // A big message is handed on in the buffer it was read into (no second copy of it); its bytes now
                    // count as a frame held, and reading starts again in a small buffer.
                    frame = buffer.AsMemory(0, count);
                    buffer = new byte[SmallBuffer];
                    _inbound.ReleaseReservation();
                }
                else frame = count == 0 ? Array.Empty<byte>() : buffer.AsSpan(0, count).ToArray();
                count = 0;
                var reopened = _inbound.Hold(frame.Length);
                _actor.Tell(new FrameReceived(frame));
                if (reopened is not null) await reopened; // the window is full: read nothing more until the actor released half of it
                if (_budget?.WhenRoom() is { } room) await room; // the node is full: wait until it has room again
            }
        }
        catch (Exception error)
        {
            // Whatever broke the connection (reset, abort, protocol error), the socket hung up.
            ServerLog.ConnectionDropped(_logger, _peer, "receive failed", error);
            ReportClosed(CloseCodes.HungUp, null);
            _webSocket.Abort();
        }
    }

    private const int SmallBuffer = 512;

    /// <summary>
    /// Doubles the receive buffer for a message that does not fit, up to one byte past <c>MaxPayload</c> (enough to see
    /// that a message is too big), with the node's budget for the growth; false when the budget has no room.
    /// </summary>
    private bool Grow(ref byte[] buffer)
    {
        var length = buffer.Length * 2;
        if (_maxPayload is { } max) length = (int)Math.Min(length, (long)max + 1);
        if (length <= buffer.Length) length = buffer.Length + 1;
        if (!_inbound.TryReserve(length - buffer.Length)) return false;
        Array.Resize(ref buffer, length);
        return true;
    }

    public void ReleaseInbound(int bytes) => _inbound.Release(bytes);

    public bool ChargeInbound(int bytes) => _inbound.Charge(bytes);

    public void ReleaseCharge(int bytes)
    {
        if (_inbound.ReleaseCharge(bytes)) _actor.Tell(InboundReopened.Instance);
    }

    /// <summary>True while reading is stopped because the inbound window is full.</summary>
    public bool IsInboundPaused => _inbound.IsPaused;

    public async ValueTask CloseOutputAsync(int code, string? reason)
    {
        // The socket processes nothing more: the reader goes on whatever the window holds, to read the client's close.
        _inbound.ConnectionGone();
        if (_webSocket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        if (!IsSendableCode(code)) code = CloseCodes.ServerFault;
        await _webSocket.CloseOutputAsync((WebSocketCloseStatus)code, Truncate(reason), CancellationToken.None);
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
}
