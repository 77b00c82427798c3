using AGServer.Diagnostics;
using Akka.Actor;
using AGServer.Protocol;
using Microsoft.Extensions.Logging;

namespace AGServer.Sockets.Internal;

/// <summary>
/// The one owner of a socket's output. Every writer (the socket actor, handler threads answering requests, the node's
/// broker fanning out a publish, the keep-alive wheel's pings, the batch timer) posts here; nobody else writes to the
/// connection. Posting runs no I/O: it checks the bounds, queues the item (a <see cref="SmallQueue{T}"/>, whose lock is
/// held for the enqueue alone) and makes sure one drain is running. One drain at a time takes the items in post order
/// and writes them to the transport, so frames leave in the order posted and the close goes out after them. A poster may run the drain itself when none is running (cheapest
/// for one frame); the broker never does, so a fan-out spreads over the thread pool.
/// Batching lives in the drain: frames posted between a batch start and its flush leave as one JSON-array frame.
/// Bounded: at most <see cref="Server.AGServerOptions.OutboundQueueLimit"/> frames and
/// <see cref="Server.AGServerOptions.OutboundQueueBytes"/> bytes (one frame is always taken) wait, batched or queued;
/// beyond, the frame is refused and the socket actor told <see cref="TransportMessages.OutboundOverflow"/> (it then
/// disconnects the socket with 4100). What waits also counts against the node's <see cref="OutboundBudget"/>.
/// </summary>
internal sealed class SocketOutbox
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(10);

    private enum Kind : byte { Frame, Ping, BatchStart, BatchFlush, BatchCancel, Close }

    /// <summary>What waits: 24 bytes (the close's code and reason, posted once, are fields of the outbox).</summary>
    private readonly record struct Item(Kind Kind, ReadOnlyMemory<byte> Frame);

    private readonly ISocketTransport _transport;
    private readonly ISocketCodec _codec;
    private readonly int _frameLimit;
    private readonly long _byteLimit;
    private readonly ILogger _logger;
    private readonly string _peer;
    private readonly SmallQueue<Item> _queue = new();
    private int _closeCode;
    private string? _closeReason;
    private readonly TaskCompletionSource _closeWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IActorRef _actor = ActorRefs.Nobody;
    private int _queued;
    private long _queuedBytes;
    private int _draining;
    private int _closeRequested;
    private int _overflowReported;
    // Written by the drain only (one at a time), read by metrics: no atomic operation per frame for them.
    private long _framesWritten;
    private long _bytesWritten;

    // Drain-side state: touched only by the one running drain.
    private List<ReadOnlyMemory<byte>>? _batch;
    private long _batchBytes;
    private bool _closed;
    // What the running write carries (frames, bytes): given back if the write fails.
    private (int Frames, long Bytes) _writing;

    private readonly OutboundBudget? _budget;

    public SocketOutbox(ISocketTransport transport, ISocketCodec codec, int frameLimit, long byteLimit, ILogger logger, string peer,
        OutboundBudget? budget = null)
    {
        _budget = budget;
        _transport = transport;
        _codec = codec;
        _frameLimit = frameLimit;
        _byteLimit = byteLimit;
        _logger = logger;
        _peer = peer;
    }

    /// <summary>Most bytes of packets a batch holds before it is sent early (1 MiB).</summary>
    public const int MaxBatchBytes = 1 << 20;

    /// <summary>The socket actor, told when the outbox overflows.</summary>
    public void Attach(IActorRef actor) => _actor = actor;

    /// <summary>Frames posted and not yet written.</summary>
    public int QueuedFrames => Volatile.Read(ref _queued);

    /// <summary>Bytes of frames posted and not yet written.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Frames and bytes written so far (pings not counted; a batch counts its frames).</summary>
    public (long Frames, long Bytes) Sent => (Volatile.Read(ref _framesWritten), Volatile.Read(ref _bytesWritten));

    /// <summary>Completes once the close frame went out (or writing failed): the transport may then let go of the connection.</summary>
    public Task CloseWritten => _closeWritten.Task;

    /// <summary>True once the close was posted: nothing more is taken.</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>
    /// Posts a frame; false when it was refused (closing, or over the bounds: the actor then hears of the overflow).
    /// <paramref name="writeHere"/>: when no drain runs, the caller's thread drains (false: a pool thread does).
    /// </summary>
    public bool Post(ReadOnlyMemory<byte> frame, bool writeHere = true) => Post(new Item(Kind.Frame, frame), writeHere);

    /// <summary>Posts a ping: it never waits in a batch, and never counts as the socket's output.</summary>
    public bool Ping(ReadOnlyMemory<byte> frame) => Post(new Item(Kind.Ping, frame), writeHere: false);

    /// <summary>From here on, frames are held in a batch until <see cref="FlushBatch"/> (or <see cref="CancelBatch"/>).</summary>
    public void StartBatch() => Control(new Item(Kind.BatchStart, default));

    /// <summary>The held frames leave as one batch frame; batching stops.</summary>
    public void FlushBatch() => Control(new Item(Kind.BatchFlush, default));

    /// <summary>The held frames are dropped; batching stops.</summary>
    public void CancelBatch() => Control(new Item(Kind.BatchCancel, default));

    /// <summary>
    /// Sends the close frame after everything posted before, then nothing more; once. A client that does not read, or
    /// does not answer the close, is cut off after a while (the timer goes as soon as the connection is over).
    /// </summary>
    public void Close(int code, string? reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0) return;
        (_closeCode, _closeReason) = (code, reason);
        _queue.Enqueue(new Item(Kind.Close, default));
        _ = Task.Delay(CloseHandshakeTimeout, _transport.ConnectionOver).ContinueWith(
            static (delay, transport) =>
            {
                if (!delay.IsCanceled) ((ISocketTransport)transport!).Abort();
            }, _transport, TaskScheduler.Default);
        Schedule(writeHere: false);
    }

    private bool Post(Item item, bool writeHere)
    {
        if (IsClosing) return false;
        var length = item.Frame.Length;
        var frames = Interlocked.Increment(ref _queued);
        var bytes = Interlocked.Add(ref _queuedBytes, length);
        if (frames > _frameLimit || (frames > 1 && bytes > _byteLimit))
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Add(ref _queuedBytes, -length);
            if (Interlocked.Exchange(ref _overflowReported, 1) == 0) _actor.Tell(TransportMessages.OutboundOverflow.Instance);
            return false;
        }
        _budget?.Add(length);
        _queue.Enqueue(item);
        Schedule(writeHere);
        return true;
    }

    private void Control(Item item)
    {
        if (IsClosing) return;
        _queue.Enqueue(item);
        Schedule(writeHere: true);
    }

    /// <summary>
    /// Makes sure a drain runs: this thread's (<paramref name="writeHere"/>), or a pool thread's; inside a fan-out run
    /// (<see cref="BeginRun"/>), the pool's in a run of outboxes.
    /// </summary>
    private void Schedule(bool writeHere)
    {
        if (Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
        if (writeHere) _ = DrainAsync();
        else if (t_inRun) Collect(this);
        else ThreadPool.UnsafeQueueUserWorkItem(static outbox => _ = outbox.DrainAsync(), this, preferLocal: false);
    }

    // A fan-out's drains, handed to the pool a run at a time: one work item per socket cost a publish about 0.5 µs and
    // 32 bytes per subscriber (TransportFanOutBenchmarks); a run of them costs that once.
    [ThreadStatic] private static bool t_inRun;
    [ThreadStatic] private static List<SocketOutbox>? t_run;

    /// <summary>How many outboxes one pool work item drains, one after the other (a drain that must wait for its write lets the next go on).</summary>
    private const int RunLength = 16;

    /// <summary>
    /// From here until <see cref="EndRun"/>, on this thread, outboxes that need a pool drain are collected and handed to
    /// the pool <see cref="RunLength"/> at a time (the broker's delivery of one publish to its local subscribers).
    /// </summary>
    public static void BeginRun() => t_inRun = true;

    /// <summary>Hands the pool what the run collected; from here on, each drain is its own work item again.</summary>
    public static void EndRun()
    {
        t_inRun = false;
        if (t_run is { Count: > 0 } run) HandOff(run);
    }

    private static void Collect(SocketOutbox outbox)
    {
        var run = t_run ??= new List<SocketOutbox>(RunLength);
        run.Add(outbox);
        if (run.Count >= RunLength) HandOff(run);
    }

    private static void HandOff(List<SocketOutbox> run)
    {
        if (run.Count == 1)
        {
            // A channel with one local subscriber (a private channel, say): its own work item, no array for a run of one.
            var outbox = run[0];
            run.Clear();
            ThreadPool.UnsafeQueueUserWorkItem(static outbox => _ = outbox.DrainAsync(), outbox, preferLocal: false);
            return;
        }
        var outboxes = run.ToArray();
        run.Clear();
        ThreadPool.UnsafeQueueUserWorkItem(static outboxes =>
        {
            foreach (var outbox in outboxes) _ = outbox.DrainAsync();
        }, outboxes, preferLocal: false);
    }

    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                while (_queue.TryDequeue(out var item))
                {
                    if (_closed)
                    {
                        Written(item);
                        continue;
                    }
                    switch (item.Kind)
                    {
                        case Kind.Frame when _batch is not null:
                            _batch.Add(item.Frame);
                            _batchBytes += item.Frame.Length;
                            // Bounded: a batch that reaches the frame limit or MaxBatchBytes leaves now and batching goes on.
                            if (_batch.Count >= _frameLimit || _batchBytes >= MaxBatchBytes) await WriteBatch();
                            break;
                        case Kind.Frame or Kind.Ping:
                            _writing = (1, item.Frame.Length);
                            await _transport.WriteAsync(item.Frame);
                            _writing = default;
                            if (item.Kind == Kind.Frame) CountWritten(1, item.Frame.Length);
                            Written(item);
                            break;
                        case Kind.BatchStart:
                            _batch ??= [];
                            break;
                        case Kind.BatchFlush:
                            await WriteBatch();
                            _batch = null;
                            break;
                        case Kind.BatchCancel:
                            DropBatch();
                            break;
                        case Kind.Close:
                            DropBatch();
                            _closed = true;
                            await _transport.CloseOutputAsync(_closeCode, _closeReason);
                            _closeWritten.TrySetResult();
                            break;
                    }
                }
                // A full fence (not a volatile write): the look below must not be answered before the flag is down, or a
                // post between them would see a drain running and this drain would not see the post.
                Interlocked.Exchange(ref _draining, 0);
                // Something posted after the last look and before the flag went down: its poster saw a drain running.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
            }
        }
        catch (Exception error)
        {
            // The connection broke while writing: the receive loop reports it; whatever waits is dropped.
            ServerLog.ConnectionDropped(_logger, _peer, "write failed", error);
            _transport.Abort();
            _closed = true;
            _closeWritten.TrySetResult();
            Release(_writing.Frames, _writing.Bytes);
            _writing = default;
            DropBatch();
            // What waits, and whatever comes later (a drain then finds the outbox closed and drops it), is given back.
            while (_queue.TryDequeue(out var item)) Written(item);
            Interlocked.Exchange(ref _draining, 0);
            if (!_queue.IsEmpty) Schedule(writeHere: false);
        }
    }

    /// <summary>Sends what the batch holds as one frame (a lone frame as itself) and empties it; batching goes on.</summary>
    private async ValueTask WriteBatch()
    {
        if (_batch is not { Count: > 0 } batch) return;
        var count = batch.Count;
        var bytes = _batchBytes;
        var frame = count == 1 ? batch[0] : _codec.EncodeBatch(batch);
        batch.Clear();
        _batchBytes = 0;
        _writing = (count, bytes);
        await _transport.WriteAsync(frame);
        _writing = default;
        CountWritten(count, bytes);
        Release(count, bytes);
    }

    private void CountWritten(int frames, long bytes)
    {
        Volatile.Write(ref _framesWritten, _framesWritten + frames);
        Volatile.Write(ref _bytesWritten, _bytesWritten + bytes);
    }

    private void Release(int frames, long bytes)
    {
        if (frames == 0) return;
        Interlocked.Add(ref _queued, -frames);
        Interlocked.Add(ref _queuedBytes, -bytes);
        _budget?.Release(bytes);
    }

    private void DropBatch()
    {
        if (_batch is { } batch) Release(batch.Count, _batchBytes);
        _batch = null;
        _batchBytes = 0;
    }

    private void Written(in Item item)
    {
        if (item.Kind is Kind.Frame or Kind.Ping) Release(1, item.Frame.Length);
    }
}
