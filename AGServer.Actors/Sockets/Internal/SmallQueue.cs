namespace AGServer.Sockets.Internal;

/// <summary>
/// A thread-safe first-in first-out queue for what a socket keeps waiting: a ring that starts at four slots, doubles
/// when full and goes back to four once it has drained from past 64, behind a lock held for one enqueue or dequeue.
/// Looking whether it is empty takes no lock.
/// </summary>
/// <remarks>
/// <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>'s first segment has 32 slots, kept for the queue's
/// life: about 1 KB per socket for a mailbox, 1.3 KB for an outbox, though a socket rarely has more than a few items
/// waiting (BENCHMARKS.md, "What an idle socket keeps").
/// </remarks>
internal class SmallQueue<T>
{
    private const int InitialCapacity = 4;
    private const int KeptCapacity = 64;

    private readonly Lock _gate = new();
    private T[] _slots = new T[InitialCapacity];
    private int _head;
    private int _count;

    /// <summary>Items waiting. Read without the lock: a post's enqueue is seen once its lock is released.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool IsEmpty => Count == 0;

    public void Enqueue(T item)
    {
        lock (_gate)
        {
            if (_count == _slots.Length) Grow();
            _slots[(_head + _count) & (_slots.Length - 1)] = item;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out T item)
    {
        if (IsEmpty)
        {
            item = default!;
            return false;
        }
        lock (_gate)
        {
            if (_count == 0)
            {
                item = default!;
                return false;
            }
            item = _slots[_head];
            _slots[_head] = default!;
            _head = (_head + 1) & (_slots.Length - 1);
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0 && _slots.Length > KeptCapacity)
            {
                _slots = new T[InitialCapacity];
                _head = 0;
            }
            return true;
        }
    }

    /// <summary>Doubles the ring, oldest first at slot 0.</summary>
    private void Grow()
    {
        var grown = new T[_slots.Length * 2];
        for (var i = 0; i < _count; i++) grown[i] = _slots[(_head + i) & (_slots.Length - 1)];
        _slots = grown;
        _head = 0;
    }
}
