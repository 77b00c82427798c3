using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket's invokes and transmits whose procedure or receiver had no consumer when they arrived, held in arrival
/// order until one attaches (bounded in count and time). Plain bookkeeping for the socket actor, tested directly.
/// </summary>
internal sealed class UnclaimedPackets(int limit, long maxBytes = long.MaxValue)
{
    private long _bytes;

    internal readonly record struct Held(string Name, long? Cid, RawJson Data, long Deadline);

    private readonly LinkedList<Held> _held = new();

    public int Count => _held.Count;

    /// <summary>True when an invoke (or, with <paramref name="invoke"/> false, a transmit) for <paramref name="name"/> is held: later ones must queue behind it.</summary>
    public bool Holds(string name, bool invoke)
    {
        foreach (var held in _held)
            if (held.Name == name && held.Cid is not null == invoke) return true;
        return false;
    }

    /// <summary>Holds a packet; returns the (last) oldest one dropped to stay within the count and byte limits, if any.</summary>
    public Held? Add(Held packet)
    {
        Held? dropped = null;
        _held.AddLast(packet);
        _bytes += packet.Data.Utf8.Length;
        while ((_held.Count > limit || _bytes > maxBytes) && _held.First is { } first)
        {
            dropped = first.Value;
            Remove(first);
        }
        return dropped;
    }

    private void Remove(LinkedListNode<Held> node)
    {
        _bytes -= node.Value.Data.Utf8.Length;
        _held.Remove(node);
    }

    /// <summary>
    /// Offers the held packets to <paramref name="hand"/> in arrival order and removes those it took. Once it refuses a
    /// packet, later packets of the same name and kind are not offered, so none overtakes another.
    /// </summary>
    public void Release(Func<Held, bool> hand)
    {
        HashSet<(string, bool)>? refused = null;
        for (var node = _held.First; node is not null;)
        {
            var next = node.Next;
            var key = (node.Value.Name, node.Value.Cid is not null);
            if (refused?.Contains(key) != true)
            {
                if (hand(node.Value)) Remove(node);
                else (refused ??= []).Add(key);
            }
            node = next;
        }
    }

    /// <summary>Removes the packets whose deadline passed, in arrival order.</summary>
    public List<Held> Expire(long now)
    {
        var expired = new List<Held>();
        for (var node = _held.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Deadline <= now)
            {
                expired.Add(node.Value);
                Remove(node);
            }
            node = next;
        }
        return expired;
    }

    /// <summary>The earliest deadline (packets may have shorter deadlines than older ones), or null when nothing is held.</summary>
    public long? NextDeadline
    {
        get
        {
            long? earliest = null;
            foreach (var held in _held)
                if (earliest is null || held.Deadline < earliest) earliest = held.Deadline;
            return earliest;
        }
    }

    public void Clear()
    {
        _held.Clear();
        _bytes = 0;
    }
}
