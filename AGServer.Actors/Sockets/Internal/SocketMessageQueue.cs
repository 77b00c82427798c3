using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket actor's mailbox queue: a small ring behind a lock. Akka's default unbounded queue is a
/// <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/> whose first segment holds 32 envelopes, about 1 KB
/// kept by every socket for its whole life, though a socket rarely has more than a few messages waiting; this one starts
/// at four (about 150 bytes with the queue itself), doubles when full, and goes back to four once a burst has drained.
/// Unbounded like Akka's: what fills a socket's mailbox is bounded upstream (the transport's inbound window).
/// </summary>
internal sealed class SocketMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private const int InitialCapacity = 4;
    private const int KeptCapacity = 64;

    private readonly Lock _gate = new();
    private Envelope[] _ring = new Envelope[InitialCapacity];
    private int _head;
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_gate)
        {
            if (_count == _ring.Length) Grow();
            _ring[(_head + _count) & (_ring.Length - 1)] = envelope;
            Volatile.Write(ref _count, _count + 1);
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
            if (_count == 0)
            {
                envelope = default;
                return false;
            }
            envelope = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) & (_ring.Length - 1);
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0 && _ring.Length > KeptCapacity)
            {
                _ring = new Envelope[InitialCapacity];
                _head = 0;
            }
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }

    /// <summary>Doubles the ring, oldest first at slot 0.</summary>
    private void Grow()
    {
        var grown = new Envelope[_ring.Length * 2];
        for (var i = 0; i < _count; i++) grown[i] = _ring[(_head + i) & (_ring.Length - 1)];
        _ring = grown;
        _head = 0;
    }
}
