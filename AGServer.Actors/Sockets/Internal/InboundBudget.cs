namespace AGServer.Sockets.Internal;

/// <summary>
/// The node-wide bound on inbound bytes held across all sockets (<see cref="Server.AGServerOptions.NodeInboundLimit"/>):
/// messages being read beyond the small receive buffer, and frames read and not yet processed. Each socket is bounded
/// on its own (<c>MaxPayload</c>, <c>InboundWindow</c>); this bounds their sum, so many sockets sending large frames at
/// once cannot exhaust the node.
/// </summary>
/// <remarks>
/// Policy: at the limit every socket stops reading after its current frame until the node holds three quarters of the
/// limit or less (TCP backpressure; what is held drains as sockets process their frames, so this always ends). A
/// message that cannot grow its buffer within the limit closes its socket with 4101, since waiting for room while
/// holding part of a message could stall the node.
/// </remarks>
internal sealed class InboundBudget(long limit)
{
    private readonly object _gate = new();
    private long _held;
    private TaskCompletionSource? _reopened;

    public long Limit => limit;

    /// <summary>Bytes held now.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Reserves <paramref name="bytes"/> for a message's buffer; false when that would pass the limit.</summary>
    public bool TryReserve(long bytes)
    {
        lock (_gate)
        {
            if (_held + bytes > limit) return false;
            _held += bytes;
            return true;
        }
    }

    /// <summary>Counts bytes handed on (a frame read, not processed yet), even past the limit.</summary>
    public void Add(long bytes)
    {
        lock (_gate) _held += bytes;
    }

    public void Release(long bytes)
    {
        TaskCompletionSource? reopened = null;
        lock (_gate)
        {
            _held -= bytes;
            if (_reopened is not null && _held <= limit / 4 * 3)
            {
                reopened = _reopened;
                _reopened = null;
            }
        }
        reopened?.TrySetResult();
    }

    /// <summary>Null while under the limit; at it, a task that completes once the node holds three quarters of it or less.</summary>
    public Task? WhenRoom()
    {
        lock (_gate)
        {
            if (_held < limit) return null;
            return (_reopened ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }
}
