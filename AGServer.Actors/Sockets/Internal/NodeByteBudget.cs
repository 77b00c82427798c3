namespace AGServer.Sockets.Internal;

/// <summary>
/// A node-wide count of bytes held against a limit, with a wait for room: at the limit, <see cref="WhenRoom"/> gives a
/// task that completes once the node holds three quarters of it or less. The inbound and outbound budgets are this
/// count with their own policies.
/// </summary>
/// <remarks>
/// Lock-free: every frame of every socket adds and releases here, from every thread that reads, processes or writes
/// frames, so a lock would be contended node-wide (BENCHMARKS.md, "One node-wide lock off the RPC path").
/// </remarks>
internal abstract class NodeByteBudget(long limit)
{
    private long _held;
    private TaskCompletionSource? _reopened;

    public long Limit => limit;

    /// <summary>Bytes held now.</summary>
    public long Held => Interlocked.Read(ref _held);

    private long ReopensAt => limit / 4 * 3;

    /// <summary>Counts bytes held, even past the limit.</summary>
    public void Add(long bytes) => Interlocked.Add(ref _held, bytes);

    /// <summary>Reserves <paramref name="bytes"/>; false when that would pass the limit.</summary>
    public bool TryReserve(long bytes)
    {
        var held = Held;
        while (true)
        {
            if (held + bytes > limit) return false;
            var seen = Interlocked.CompareExchange(ref _held, held + bytes, held);
            if (seen == held) return true;
            held = seen;
        }
    }

    public void Release(long bytes)
    {
        // The add is a full fence: a waiter published before it is seen here; one published after it sees the new
        // total in WhenRoom's second look.
        if (Interlocked.Add(ref _held, -bytes) <= ReopensAt && Volatile.Read(ref _reopened) is not null)
            Interlocked.Exchange(ref _reopened, null)?.TrySetResult();
    }

    /// <summary>Null while under the limit; at it, a task that completes once the node holds three quarters of it or less.</summary>
    public Task? WhenRoom()
    {
        if (Held < limit) return null;
        var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reopened = Interlocked.CompareExchange(ref _reopened, made, null) ?? made;
        // The last release may have come between the look and the publish: look again, so nobody waits for a release that came.
        if (Held <= ReopensAt) Interlocked.Exchange(ref _reopened, null)?.TrySetResult();
        return reopened.Task;
    }
}
