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
    private readonly object _gate = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IActorRef _actor = ActorRefs.Nobody;
    private Internal.SocketOutbox? _outbox;
    private long _bytesReceived;
    private int _closedReported;

    private readonly ILogger _logger;
    private readonly string _peer;

    private readonly CancellationTokenSource _connectionOver = new();
    private readonly int _inboundWindow;
    private readonly Internal.InboundBudget? _budget;
    private int _inboundHeld;
    // Bytes of the node's budget this connection holds for the message it is reading (its buffer beyond the small one).
    private long _reserved;
    private bool _receiveEnded;
    private TaskCompletionSource? _inboundReopened;

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
        _inboundWindow = inboundWindow;
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

    public void Abort() => _webSocket.Abort();

    private void Close(int code, string? reason) => _outbox!.Close(code, reason);

    private async Task RunAsync()
    {
        await ReceiveLoop();
        EndInbound();
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
                    ReleaseReservation();
                }
                else frame = count == 0 ? Array.Empty<byte>() : buffer.AsSpan(0, count).ToArray();
                count = 0;
                var reopened = HoldInbound(frame.Length);
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
        var growth = length - buffer.Length;
        if (_budget is not null)
        {
            if (!_budget.TryReserve(growth)) return false;
            lock (_gate) _reserved += growth;
        }
        Array.Resize(ref buffer, length);
        return true;
    }

    private void ReleaseReservation()
    {
        long reserved;
        lock (_gate)
        {
            reserved = _reserved;
            _reserved = 0;
        }
        if (reserved > 0) _budget?.Release(reserved);
    }

    /// <summary>Reading is over: what this connection still holds of the node's budget is given back, once.</summary>
    private void EndInbound()
    {
        long held;
        lock (_gate)
        {
            if (_receiveEnded) return;
            _receiveEnded = true;
            held = _reserved + _inboundHeld;
            _reserved = 0;
        }
        if (held > 0) _budget?.Release(held);
    }

    /// <summary>Counts a frame handed to the actor; when that fills the window, the task that completes once it reopens.</summary>
    private Task? HoldInbound(int bytes)
    {
        _budget?.Add(Math.Max(bytes, 1));
        lock (_gate)
        {
            // An empty frame still costs the actor a message: count it as one byte.
            _inboundHeld += Math.Max(bytes, 1);
            if (_inboundHeld < _inboundWindow) return null;
            _inboundReopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _inboundReopened.Task;
        }
    }

    public bool ChargeInbound(int bytes)
    {
        lock (_gate)
        {
            _inboundHeld += bytes;
            _charged += bytes;
            // Once reading ended the node's budget got every byte back; a charge then is this socket's alone.
            if (!_receiveEnded) _budget?.Add(bytes);
            if (_charged < _inboundWindow) return false;
            _actorWaits = true;
            return true;
        }
    }

    public void ReleaseCharge(int bytes)
    {
        var tellActor = false;
        TaskCompletionSource? reopened;
        lock (_gate)
        {
            _charged -= bytes;
            if (_actorWaits && _charged <= _inboundWindow / 2) (tellActor, _actorWaits) = (true, false);
            Release(bytes, out reopened);
        }
        reopened?.TrySetResult();
        if (tellActor) _actor.Tell(InboundReopened.Instance);
    }

    // Bytes of the window held by items no consumer took yet (the rest is frames); at the window the actor waits.
    private int _charged;
    private bool _actorWaits;

    public void ReleaseInbound(int bytes)
    {
        TaskCompletionSource? reopened;
        lock (_gate) Release(bytes, out reopened);
        reopened?.TrySetResult();
    }

    /// <summary>Gives <paramref name="bytes"/> back to the window (under the gate); <paramref name="reopened"/>: the reader to wake.</summary>
    private void Release(int bytes, out TaskCompletionSource? reopened)
    {
        reopened = null;
        _inboundHeld -= Math.Max(bytes, 1);
        // Still reading: the node's budget gets the bytes back (once reading ended, it got all of them back then).
        if (!_receiveEnded) _budget?.Release(Math.Max(bytes, 1));
        if (_inboundHeld <= _inboundWindow / 2) (reopened, _inboundReopened) = (_inboundReopened, null);
    }

    /// <summary>True while reading is stopped because the inbound window is full.</summary>
    public bool IsInboundPaused
    {
        get
        {
            lock (_gate) return _inboundReopened is not null;
        }
    }

    public async ValueTask CloseOutputAsync(int code, string? reason)
    {
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
