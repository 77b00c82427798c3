using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket actor's mailbox queue: a <see cref="SmallRing{T}"/> behind a lock. Akka's default unbounded queue is a
/// <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/> whose first segment holds 32 envelopes, about 1 KB
/// kept by every socket for its whole life; this one starts at four (about 150 bytes with the queue itself).
/// Unbounded like Akka's: what fills a socket's mailbox is bounded upstream (the transport's inbound window).
/// </summary>
internal sealed class SocketMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly Lock _gate = new();
    private SmallRing<Envelope> _ring = new();
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_gate)
        {
            _ring.Enqueue(envelope);
            Volatile.Write(ref _count, _ring.Count);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }
        lock (_gate)
        {
            var taken = _ring.TryDequeue(out envelope);
            Volatile.Write(ref _count, _ring.Count);
            return taken;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
