namespace AGServer.Streams.Internal;

/// <summary>
/// A consumer of an <see cref="EventStream{T}"/> that calls a handler for each item on the thread pool, at most
/// <c>maxConcurrency</c> at a time. It runs no Akka stream: no actor, no graph to fuse and materialise, so a handler
/// mapped for every socket costs a few hundred bytes per socket rather than a stream actor (see
/// <see cref="Sockets.AGServerSocket.MapProcedure"/>), and a server-wide handler's synchronous code runs in parallel
/// rather than on one stream actor. It is one <see cref="StreamConsumer{T}"/> of the stream, with its bound and
/// overflow policy, and ends like one when the stream is closed, killed or ended.
/// </summary>
/// <remarks>
/// With a bound of 1 the pump (itself a thread-pool work item) serves each item in turn. With a larger bound each item
/// is its own thread-pool work item, so no handler's synchronous part holds up another's, except the last item a pump
/// takes: that one runs on the pump's own thread once the pump is over (a new item then starts another pump), saving a
/// hop on the thread pool for every request that arrives alone. With <c>laneOf</c>, items of one lane (a socket) run
/// one after another in dequeue order while lanes overlap. No handler code runs under a lock. Its serve function
/// contains the handler's failures itself (answers, logs) and does not throw.
/// </remarks>
internal sealed class HandlerConsumer<T> : IThreadPoolWorkItem
{
    private readonly EventStream<T> _stream;
    private readonly StreamConsumer<T> _consumer;
    private readonly Func<T, Task> _serve;
    private readonly int _maxConcurrency;
    private readonly Func<T, string>? _laneOf;
    private readonly Action<Task> _served;
    // Lanes with an item running: the items waiting behind it (null until one waits). Touched only for bookkeeping.
    private readonly Dictionary<string, Queue<T>?> _lanes = new();
    // Emptied lane queues kept for the next lane that needs one (a few, small): a busy socket's burst then allocates none.
    private readonly Stack<Queue<T>> _spareQueues = new();
    private const int MostSpareQueues = 8;
    private const int LargestSpareQueue = 16;
    private int _running;
    // Pump requests not yet taken: the thread that raises it from 0 runs the pump, so one pump runs at a time.
    private int _pumpRequests;
    // 1 when the pump stopped at the bound: the next item to finish pumps again. Otherwise a finishing item need not
    // (the pump parked, and the next item wakes it), which saves a pump on the thread pool per item.
    private int _atBound;

    /// <param name="stream">The stream whose items are served.</param>
    /// <param name="serve">Serves one item; contains its failures and does not throw.</param>
    /// <param name="maxConcurrency">Most items served at once.</param>
    /// <param name="laneOf">With a bound above 1: the lane of an item, whose items run one at a time in order; null: none.</param>
    public HandlerConsumer(EventStream<T> stream, Func<T, Task> serve, int maxConcurrency, Func<T, string>? laneOf = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        _stream = stream;
        _serve = serve;
        _maxConcurrency = maxConcurrency;
        _laneOf = maxConcurrency > 1 ? laneOf : null;
        _consumer = stream.NewConsumer();
        _served = _ => Served();
    }

    /// <summary>Attaches to the stream; items emitted from now on are served.</summary>
    public void Start()
    {
        _consumer.Start(RequestPump);
        _stream.Attach(_consumer);
        // The first pump parks the consumer (or ends it, when the stream had already ended) so that the next item
        // wakes it; on the thread pool, since an item may already be waiting and a handler must not run on the
        // caller's thread (typically the connection listener's).
        RequestPump();
    }

    private void RequestPump()
    {
        if (Interlocked.Increment(ref _pumpRequests) == 1) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public void Execute()
    {
        var requests = Volatile.Read(ref _pumpRequests);
        var last = default(Taken);
        while (true)
        {
            Pump(ref last);
            var left = Interlocked.Add(ref _pumpRequests, -requests);
            if (left == 0) break;
            requests = left;
        }
        // The pump is over, so an item arriving now starts another: this thread serves the last item taken itself.
        if (last.IsSet) _ = Run(last.Item, last.Lane);
    }

    /// <summary>An item taken by the pump and not yet handed on, with its lane.</summary>
    private readonly record struct Taken(T Item, string? Lane, bool IsSet = true);

    private void Pump(ref Taken last)
    {
        while (true)
        {
            if (Volatile.Read(ref _running) >= _maxConcurrency)
            {
                // Full fences on both sides (here the flag then the count, in Served the count then the flag): either
                // this pump sees the item that finished meanwhile, or that item sees the flag and pumps again.
                Interlocked.Exchange(ref _atBound, 1);
                if (Volatile.Read(ref _running) >= _maxConcurrency) return;
                Interlocked.Exchange(ref _atBound, 0);
                continue;
            }
            if (!_consumer.TryDequeue(out var item))
            {
                if (_consumer.IsDone)
                {
                    _stream.Remove(_consumer);
                    _consumer.Finish();
                    return;
                }
                if (_consumer.Park()) return;
                continue;
            }
            Interlocked.Increment(ref _running);
            if (_maxConcurrency == 1)
            {
                Finish(_serve(item));
                continue;
            }
            var lane = _laneOf?.Invoke(item);
            if (lane is not null && !Enter(lane, item)) continue;
            if (last.IsSet) ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Self.Run(state.Last.Item, state.Last.Lane), (Self: this, Last: last), preferLocal: false);
            last = new Taken(item, lane);
        }
    }

    /// <summary>An item is over: one fewer runs, and a pump stopped at the bound goes on.</summary>
    private void Served()
    {
        Interlocked.Decrement(ref _running);
        if (Volatile.Read(ref _atBound) == 1 && Interlocked.Exchange(ref _atBound, 0) == 1) RequestPump();
    }

    /// <summary>Takes the lane for an item: true when it was free (the item runs now), false when the item waits behind it.</summary>
    private bool Enter(string lane, T item)
    {
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(lane, out var waiting))
            {
                _lanes.Add(lane, null);
                return true;
            }
            if (waiting is null) _lanes[lane] = waiting = _spareQueues.TryPop(out var spare) ? spare : new Queue<T>(2);
            waiting.Enqueue(item);
            return false;
        }
    }

    /// <summary>Serves an item, then (in a lane) the items that waited behind it, each counted as it ends.</summary>
    private async Task Run(T item, string? lane)
    {
        while (true)
        {
            var served = _serve(item);
            if (!served.IsCompleted) await served.ConfigureAwait(false);
            Served();
            if (lane is null || !TryNext(lane, out item)) return;
        }
    }

    private bool TryNext(string lane, out T next)
    {
        lock (_lanes)
        {
            if (_lanes[lane] is { Count: > 0 } waiting)
            {
                next = waiting.Dequeue();
                return true;
            }
            if (_lanes.Remove(lane, out var emptied) && emptied is not null
                && _spareQueues.Count < MostSpareQueues && emptied.Capacity <= LargestSpareQueue)
                _spareQueues.Push(emptied);
            next = default!;
            return false;
        }
    }

    private void Finish(Task served)
    {
        if (served.IsCompleted) Interlocked.Decrement(ref _running);
        else served.ContinueWith(_served, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
