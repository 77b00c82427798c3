using Akka.Actor;

namespace AGServer.Sockets;

// Batching, as socketcluster-server's AGServerSocket: packets posted between StartBatch and FlushBatch leave as one
// JSON-array frame, in order (the outbox does it). Pings never wait in a batch.
public sealed partial class AGServerSocket
{
    private volatile bool _bufferingBatch;

    /// <summary>True between <see cref="StartBatch"/> and <see cref="FlushBatch"/> / <see cref="CancelBatch"/>.</summary>
    public bool IsBufferingBatch => _bufferingBatch;

    /// <summary>Holds outbound packets until <see cref="FlushBatch"/>.</summary>
    public void StartBatch()
    {
        _bufferingBatch = true;
        Outbox.StartBatch();
    }

    /// <summary>Sends the held packets as one batch frame and stops holding.</summary>
    public void FlushBatch()
    {
        _bufferingBatch = false;
        Outbox.FlushBatch();
    }

    /// <summary>Most bytes of packets a batch holds before it is sent early (1 MiB).</summary>
    public const int MaxBatchBytes = Internal.SocketOutbox.MaxBatchBytes;

    /// <summary>Drops the held packets and stops holding.</summary>
    public void CancelBatch()
    {
        _bufferingBatch = false;
        Outbox.CancelBatch();
    }

    /// <summary>Batches outbound packets every <c>BatchInterval</c> ms until <see cref="StopBatching"/>.</summary>
    public void StartBatching() => ActorRef.Tell(Internal.SocketActor.Batching.Start);

    /// <summary>Stops batching and sends what is held.</summary>
    public void StopBatching() => ActorRef.Tell(Internal.SocketActor.Batching.Stop);

    /// <summary>Stops batching and drops what is held.</summary>
    public void CancelBatching() => ActorRef.Tell(Internal.SocketActor.Batching.Cancel);

    /// <summary>Messages and bytes sent, and received, so far (for the server's metrics).</summary>
    internal Traffic Traffic()
    {
        var (frames, bytes) = Outbox.Sent;
        return new Traffic(Interlocked.Read(ref InboundReceived), GetBytesReceived(), frames, bytes, Interlocked.Read(ref InvokesReceived));
    }

    /// <summary>
    /// Hands a frame to the socket's outbox (<paramref name="writeHere"/>: this thread may write it when no write runs).
    /// Nothing goes out once the socket is closed: a handler answering on another thread between the close (its
    /// ConnectionClosed cancelled) and the close frame's turn in the outbox would otherwise overtake the close.
    /// </summary>
    internal void SendFrame(ReadOnlyMemory<byte> frame, bool writeHere = true)
    {
        if (_state != SocketState.Closed) Outbox.Post(frame, writeHere);
    }
}
