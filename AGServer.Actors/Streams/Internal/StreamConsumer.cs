using System.Collections.Concurrent;

namespace AGServer.Streams.Internal;

/// <summary>One consumer's queue. Producers enqueue from any thread; the source stage drains it.</summary>
/// <remarks>
/// Bounded: at <c>limit</c> queued items a new item is not queued. A request or middleware action is then settled with
/// a BufferOverflowError (the client hears at once), a socket's item gives its credit back, and the overflow is
/// reported once per episode (until the queue is down to half).
/// </remarks>
internal sealed class StreamConsumer<T>(string stream, int limit = StreamConsumer<T>.Unbounded, bool dropStale = false, IConsumerFailures? failures = null)
{
    public const int Unbounded = int.MaxValue;

    private static long _nextId;

    /// <summary>Made on the first item: most per-socket consumers (a procedure the client never calls) never get one,
    /// and an empty ConcurrentQueue is ~770 bytes.</summary>
    private ConcurrentQueue<T>? _queue;
    private int _count;
    private int _waiting;
    private volatile bool _closed;
    private volatile bool _killed;
    private int _overflowing;
    private Action? _wake;

    public long Id { get; } = Interlocked.Increment(ref _nextId);

    public int Backpressure => Volatile.Read(ref _count);

    public bool IsKilled => _killed;

    /// <summary>Closed and drained, or killed: the stage should complete.</summary>
    public bool IsDone => _killed || (_closed && IsEmpty);

    private bool IsEmpty => Volatile.Read(ref _queue) is not { } queue || queue.IsEmpty;

    private ConcurrentQueue<T> Queue => LazyInitializer.EnsureInitialized(ref _queue);

    public void Enqueue(T item)
    {
        if (_killed || _closed)
        {
            Release(item);
            return;
        }
        if (Volatile.Read(ref _count) >= limit)
        {
            Overflow(item);
            return;
        }
        Queue.Enqueue(item);
        Interlocked.Increment(ref _count);
        // Killed or finished while this item passed the check above: no one will take it, so give it back now (its
        // socket's credit with it). The increment is a full fence, as are the flags' writes: one side sees the other.
        if (_killed || Volatile.Read(ref _finished) == 1)
        {
            Abandon();
            return;
        }
        Wake();
    }

    private int _finished;

    /// <summary>
    /// The consumer is gone for good (its stage stopped, or it ended): what it had queued is given back, and so is
    /// anything a racing producer adds after.
    /// </summary>
    public void Finish()
    {
        Interlocked.Exchange(ref _finished, 1);
        Abandon();
    }

    /// <summary>The next item for the application; with dropStale, items of sockets that have closed are dropped on the way.</summary>
    public bool TryDequeue(out T item)
    {
        while (!_killed && Volatile.Read(ref _queue) is { } queue && queue.TryDequeue(out item!))
        {
            if (Interlocked.Decrement(ref _count) <= limit / 2 && Volatile.Read(ref _overflowing) == 1) Volatile.Write(ref _overflowing, 0);
            if (item is not IInboundItem inbound) return true;
            inbound.Taken();
            if (!dropStale || !inbound.IsStale) return true;
        }
        item = default!;
        return false;
    }

    /// <summary>The consumer is gone: what it had queued is dropped, and the sockets that sent it get their credit back.</summary>
    public void Abandon()
    {
        while (Volatile.Read(ref _queue) is { } queue && queue.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _count);
            Release(item);
        }
    }

    private static void Release(T item) => (item as IInboundItem)?.Taken();

    private void Overflow(T item)
    {
        (item as IFailable)?.Fail(Protocol.ClientErrors.BufferOverflow(stream));
        Release(item);
        if (Interlocked.Exchange(ref _overflowing, 1) == 0) failures?.Overflowed(stream, limit);
    }

    public void Close()
    {
        _closed = true;
        Wake();
    }

    public void Kill()
    {
        _killed = true;
        Interlocked.MemoryBarrier();
        Abandon();
        Wake();
    }

    /// <summary>Called by the stage once it runs; from then on it can be woken.</summary>
    public void Start(Action wake) => Volatile.Write(ref _wake, wake);

    /// <summary>
    /// The stage found nothing to push and parks. Returns false when something arrived meanwhile and the
    /// stage must look again itself (no wake-up will come for it).
    /// </summary>
    public bool Park()
    {
        // A full fence: the flag must be visible before the queue is looked at, or a producer that enqueued meanwhile
        // and read the flag before it was set would never wake the stage (a lost wake-up).
        Interlocked.Exchange(ref _waiting, 1);
        if (IsEmpty && !_closed && !_killed) return true;
        return Interlocked.Exchange(ref _waiting, 0) == 0;
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _waiting, 0) == 1) Volatile.Read(ref _wake)?.Invoke();
    }
}
