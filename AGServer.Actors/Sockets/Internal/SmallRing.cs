namespace AGServer.Sockets.Internal;

/// <summary>
/// A first-in first-out ring that starts at four slots, doubles when full and goes back to four once it has drained
/// from past <see cref="KeptCapacity"/>: what a socket keeps for its queues while idle. Not thread-safe; its owner locks.
/// </summary>
/// <remarks>
/// <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>'s first segment has 32 slots, kept for the queue's
/// life: about 1 KB per socket for a mailbox, 1.3 KB for an outbox, though a socket rarely has more than a few items
/// waiting (BENCHMARKS.md, "What an idle socket keeps"). A mutable struct: keep it in a field and call it there.
/// </remarks>
internal struct SmallRing<T>
{
    private const int InitialCapacity = 4;
    private const int KeptCapacity = 64;

    private T[] _slots;
    private int _head;
    private int _count;

    public SmallRing() => _slots = new T[InitialCapacity];

    public readonly int Count => _count;

    public void Enqueue(T item)
    {
        if (_count == _slots.Length) Grow();
        _slots[(_head + _count) & (_slots.Length - 1)] = item;
        _count++;
    }

    public bool TryDequeue(out T item)
    {
        if (_count == 0)
        {
            item = default!;
            return false;
        }
        item = _slots[_head];
        _slots[_head] = default!;
        _head = (_head + 1) & (_slots.Length - 1);
        _count--;
        if (_count == 0 && _slots.Length > KeptCapacity)
        {
            _slots = new T[InitialCapacity];
            _head = 0;
        }
        return true;
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
