using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket actor's mailbox queue: a <see cref="SmallQueue{T}"/> of envelopes. Akka's default unbounded queue is a
/// <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/> whose first segment holds 32 envelopes, about 1 KB
/// kept by every socket for its whole life; this one starts at four (about 150 bytes with the queue itself).
/// Unbounded like Akka's: what fills a socket's mailbox is bounded upstream (the transport's inbound window).
/// </summary>
internal sealed class SocketMessageQueue : SmallQueue<Envelope>, IMessageQueue, IUnboundedMessageQueueSemantics
{
    public bool HasMessages => !IsEmpty;

    public void Enqueue(IActorRef receiver, Envelope envelope) => Enqueue(envelope);

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
