namespace AGServer.Streams.Internal;

/// <summary>
/// A consumer of an <see cref="EventStream{T}"/> that calls a handler for each item, on the thread pool, at most
/// <c>maxConcurrency</c> at a time, in order when that is 1. It runs no Akka stream: no actor, no graph to fuse and
/// materialise, so a handler mapped for every socket costs a few hundred bytes per socket rather than a stream actor
/// (see <see cref="Sockets.AGServerSocket.MapProcedure"/>). It is one <see cref="StreamConsumer{T}"/> of the stream,
/// with its bound and overflow policy, and ends like one when the stream is closed, killed or ended.
/// Its serve function contains the handler's failures itself (answers, logs) and does not throw.
/// </summary>
internal sealed class HandlerConsumer<T> : IThreadPoolWorkItem
{
    private readonly EventStream<T> _stream;
    private readonly StreamConsumer<T> _consumer;
    private readonly Func<T, Task> _serve;
    private readonly int _maxConcurrency;
    private readonly Action<Task> _served;
    private int _running;
    // Pump requests not yet taken: the thread that raises it from 0 runs the pump, so one pump runs at a time.
    private int _pumpRequests;

    public HandlerConsumer(EventStream<T> stream, Func<T, Task> serve, int maxConcurrency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        _stream = stream;
        _serve = serve;
        _maxConcurrency = maxConcurrency;
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
                    return;
                }
                if (_consumer.Park()) return;
                continue;
            }
            Interlocked.Increment(ref _running);
            var served = _serve(item);
            if (served.IsCompleted) Interlocked.Decrement(ref _running);
            else served.ContinueWith(_served, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
