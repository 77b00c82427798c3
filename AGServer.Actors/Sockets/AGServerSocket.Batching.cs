using Akka.Actor;

namespace AGServer.Sockets;

// Batching, as socketcluster-server's AGServerSocket: packets buffered between StartBatch and FlushBatch leave as
// one JSON-array frame, in order. Pings never wait in a batch.
public sealed partial class AGServerSocket
{
    private readonly object _batchGate = new();
    private List<ReadOnlyMemory<byte>>? _batch;

    /// <summary>True between <see cref="StartBatch"/> and <see cref="FlushBatch"/> / <see cref="CancelBatch"/>.</summary>
    public bool IsBufferingBatch
    {
        get
        {
            lock (_batchGate) return _batch is not null;
        }
    }

    /// <summary>Holds outbound packets until <see cref="FlushBatch"/>.</summary>
    public void StartBatch()
    {
        lock (_batchGate)
        {
            _batch = new List<ReadOnlyMemory<byte>>();
            _batchBytes = 0;
        }
    }

    /// <summary>Sends the held packets as one batch frame and stops holding.</summary>
    public void FlushBatch()
    {
        lock (_batchGate)
        {
            SendBatch();
            _batch = null;
        }
    }

    /// <summary>Most bytes of packets a batch holds before it is sent early (1 MiB).</summary>
    public const int MaxBatchBytes = 1 << 20;

    private long _batchBytes;

    /// <summary>Sends what the batch holds as one frame and empties it (under the batch lock).</summary>
    private void SendBatch()
    {
        var frames = _batch;
        _batchBytes = 0;
        if (frames is not { Count: > 0 }) return;
        _batch = new List<ReadOnlyMemory<byte>>();
        _transport.Send(frames.Count == 1 ? frames[0] : Server.Codec.EncodeBatch(frames));
    }

    /// <summary>Drops the held packets and stops holding.</summary>
    public void CancelBatch()
    {
        lock (_batchGate)
        {
            _batch = null;
            _batchBytes = 0;
        }
    }

    /// <summary>Batches outbound packets every <c>BatchInterval</c> ms until <see cref="StopBatching"/>.</summary>
    public void StartBatching() => ActorRef.Tell(Internal.SocketActor.Batching.Start);

    /// <summary>Stops batching and sends what is held.</summary>
    public void StopBatching() => ActorRef.Tell(Internal.SocketActor.Batching.Stop);

    /// <summary>Stops batching and drops what is held.</summary>
    public void CancelBatching() => ActorRef.Tell(Internal.SocketActor.Batching.Cancel);

    private long _messagesSent;
    private long _bytesSent;

    /// <summary>Messages and bytes sent, and received, so far (for the server's metrics).</summary>
    internal Traffic Traffic()
    {
        lock (_batchGate) return new Traffic(Interlocked.Read(ref InboundReceived), GetBytesReceived(), _messagesSent, _bytesSent, Interlocked.Read(ref InvokesReceived));
    }

    internal void SendFrame(ReadOnlyMemory<byte> frame, bool writeHere = true)
    {
        lock (_batchGate)
        {
            _messagesSent++;
            _bytesSent += frame.Length;
            if (_batch is null)
            {
                _transport.Send(frame, writeHere);
                return;
            }
            _batch.Add(frame);
            _batchBytes += frame.Length;
            // Bounded: a batch that reaches OutboundQueueLimit packets or MaxBatchBytes leaves now and batching goes on.
            if (_batch.Count >= Server.Options.OutboundQueueLimit || _batchBytes >= MaxBatchBytes) SendBatch();
        }
    }
}
