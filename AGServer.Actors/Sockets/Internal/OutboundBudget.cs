namespace AGServer.Sockets.Internal;

/// <summary>
/// The node-wide bound on outbound bytes waiting across all sockets' outboxes
/// (<see cref="Server.AGServerOptions.NodeOutboundLimit"/>). Each outbox is bounded on its own (<c>OutboundQueueLimit</c>,
/// <c>OutboundQueueBytes</c>); this bounds their sum, which a fan-out to many sockets fills fastest.
/// </summary>
/// <remarks>
/// Policy: at the limit, sockets that publish stop processing (their reading pauses: TCP backpressure) before their next
/// publish, until the node holds three quarters of the limit or less; everything else (responses, pings, the
/// application's own publishes) still goes out, and what waits drains as clients read, so this always ends. The cost of
/// a flood lands on its publishers, not on its subscribers. Lock-free: every post and write adds or removes its bytes.
/// </remarks>
internal sealed class OutboundBudget(long limit)
{
    private long _held;
    private TaskCompletionSource? _reopened;

    public long Limit => limit;

    /// <summary>Bytes waiting now.</summary>
    public long Held => Interlocked.Read(ref _held);

    public void Add(long bytes) => Interlocked.Add(ref _held, bytes);

    public void Release(long bytes)
    {
        var held = Interlocked.Add(ref _held, -bytes);
        if (held <= limit / 4 * 3 && Volatile.Read(ref _reopened) is { } reopened
            && Interlocked.CompareExchange(ref _reopened, null, reopened) == reopened)
            reopened.TrySetResult();
    }

    /// <summary>Null while under the limit; at it, a task that completes once the node holds three quarters of it or less.</summary>
    public Task? WhenRoom()
    {
        if (Held < limit) return null;
        var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reopened = Interlocked.CompareExchange(ref _reopened, made, null) ?? made;
        // The last release may have come between the look and the wait: look again, so nobody waits for a release that came.
        if (Held <= limit / 4 * 3 && Interlocked.CompareExchange(ref _reopened, null, reopened) == reopened) reopened.TrySetResult();
        return reopened.Task;
    }
}
