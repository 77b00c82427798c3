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
/// is its own thread-pool work item, so no handler's synchronous part holds up another's; with <c>laneOf</c>, items of
/// one lane (a socket) run one after another in dequeue order while lanes overlap. No handler code runs under a lock.
/// Its serve function contains the handler's failures itself (answers, logs) and does not throw.
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
    private int _running;
    // Pump requests not yet taken: the thread that raises it from 0 runs the pump, so one pump runs at a time.
    private int _pumpRequests;

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
        _served = _ =>
        {
            Interlocked.Decrement(ref _running);
            RequestPump();
        };
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
        while (true)
        {
            Pump();
            var left = Interlocked.Add(ref _pumpRequests, -requests);
            if (left == 0) return;
            requests = left;
        }
    }

    private void Pump()
    {
        while (Volatile.Read(ref _running) < _maxConcurrency)
        {
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
            if (lane is null || Enter(lane, item))
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Self.Run(state.Item, state.Lane), (Self: this, Item: item, Lane: lane), preferLocal: false);
        }
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
            if (waiting is null) _lanes[lane] = waiting = new Queue<T>(2);
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
            Interlocked.Decrement(ref _running);
            RequestPump();
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
            _lanes.Remove(lane);
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
