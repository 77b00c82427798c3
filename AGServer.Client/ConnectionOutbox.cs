using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace AGServer.Client;

/// <summary>
/// The one writer of a connection: callers post frames without a lock and without waiting for each other; one drain at a
/// time, on the thread pool, writes them in post order. Packets that queued up meanwhile (a burst of answers lets many
/// callers post at once) leave together as one frame, a JSON array of packets (the protocol's batch, which every
/// SocketCluster server reads): under load a write per burst rather than a write per packet, and no added delay beyond
/// the hop to the pool, since only what already waits is joined. Pings, pongs and batches go alone. (Measured: draining
/// on the posting thread instead wrote one packet per system call and cost about a third more CPU per call.)
/// Bounded: past <see cref="HighWater"/> bytes waiting, a post returns a task that completes once the queue drained
/// below half of it, so callers that await their sends slow down instead of growing the queue.
/// A write that fails aborts the connection: the reading loop then reports its loss (and pending calls fail with it).
/// </summary>
internal sealed class ConnectionOutbox
{
    /// <summary>Bytes waiting beyond which posters wait.</summary>
    public const int HighWater = 1 << 20;

    /// <summary>Most packets and bytes joined into one frame.</summary>
    private const int MaxJoined = 1000;
    private const int MaxJoinedBytes = 64 * 1024;

    private readonly record struct Frame(ReadOnlyMemory<byte> Bytes, bool Packet);

    private readonly WebSocket _socket;
    private readonly ConcurrentQueue<Frame> _queue = new();
    private readonly List<ReadOnlyMemory<byte>> _joined = new();
    private readonly object _roomGate = new();
    private TaskCompletionSource<bool>? _room;
    private TaskCompletionSource<bool>? _drained;
    private long _queuedBytes;
    private int _draining;
    private volatile bool _failed;

    public ConnectionOutbox(WebSocket socket) => _socket = socket;

    /// <summary>Queues a frame; <paramref name="packet"/>: a single JSON packet, which may be joined with others.</summary>
    public Task Post(ReadOnlyMemory<byte> bytes, bool packet, string what)
    {
        if (_failed) return Task.FromException(AGClientError.BadConnection(what));
        _queue.Enqueue(new Frame(bytes, packet));
        var queued = Interlocked.Add(ref _queuedBytes, bytes.Length);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = ((ConnectionOutbox)state!).DrainAsync(), this);
        return queued < HighWater ? Task.CompletedTask : WhenRoom();
    }

    private Task WhenRoom()
    {
        lock (_roomGate)
        {
            if (Interlocked.Read(ref _queuedBytes) < HighWater / 2 || _failed) return Task.CompletedTask;
            return (_room ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Completes once everything posted so far is written (or the connection failed): a close goes after it.</summary>
    public Task WhenDrained()
    {
        lock (_roomGate)
        {
            if (_failed || (_queue.IsEmpty && Volatile.Read(ref _draining) == 0)) return Task.CompletedTask;
            return (_drained ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var first))
            {
                var bytes = first.Bytes;
                var written = bytes.Length;
                if (first.Packet && _queue.TryPeek(out var next) && next.Packet)
                {
                    _joined.Clear();
                    _joined.Add(bytes);
                    while (_joined.Count < MaxJoined && written < MaxJoinedBytes && _queue.TryPeek(out next) && next.Packet && _queue.TryDequeue(out next))
                    {
                        _joined.Add(next.Bytes);
                        written += next.Bytes.Length;
                    }
                    bytes = Join(_joined, written);
                }
                try
                {
                    if (!_failed) await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception error) when (error is WebSocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
                {
                    _failed = true;
                    _socket.Abort();
                    Drained();
                }
                Written(written);
            }
            Volatile.Write(ref _draining, 0);
            Drained();
            // A frame posted after the queue looked empty and before the flag went down found a drain running: take it.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
        }
    }

    private void Written(int bytes)
    {
        var left = Interlocked.Add(ref _queuedBytes, -bytes);
        if (left >= HighWater / 2 && !_failed) return;
        TaskCompletionSource<bool>? room;
        lock (_roomGate) (room, _room) = (_room, null);
        room?.TrySetResult(true);
    }

    private void Drained()
    {
        TaskCompletionSource<bool>? drained;
        lock (_roomGate) (drained, _drained) = (_drained, null);
        drained?.TrySetResult(true);
    }

    private static byte[] Join(List<ReadOnlyMemory<byte>> packets, int bytes)
    {
        var frame = new byte[bytes + packets.Count + 1];
        frame[0] = (byte)'[';
        var at = 1;
        foreach (var packet in packets)
        {
            if (at > 1) frame[at++] = (byte)',';
            packet.Span.CopyTo(frame.AsSpan(at));
            at += packet.Length;
        }
        frame[at] = (byte)']';
        return frame;
    }
}
