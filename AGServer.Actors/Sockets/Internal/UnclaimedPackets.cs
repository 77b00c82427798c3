using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>
/// A socket's invokes and transmits whose procedure or receiver had no consumer when they arrived, held in arrival
/// order until one attaches (bounded in count and time). Plain bookkeeping for the socket actor, tested directly.
/// </summary>
internal sealed class UnclaimedPackets(int limit)
{
    internal readonly record struct Held(string Name, long? Cid, RawJson Data, long Deadline);

    private readonly LinkedList<Held> _held = new();

    public int Count => _held.Count;

    /// <summary>True when a packet for <paramref name="name"/> is held: later packets for it must queue behind.</summary>
    public bool Holds(string name)
    {
        foreach (var held in _held)
            if (held.Name == name) return true;
        return false;
    }

    /// <summary>Holds a packet; returns the oldest one dropped to stay within the limit, if any.</summary>
    public Held? Add(Held packet)
    {
        Held? dropped = null;
        if (_held.Count >= limit && _held.First is { } first)
        {
            dropped = first.Value;
            _held.RemoveFirst();
        }
        _held.AddLast(packet);
        return dropped;
    }

    /// <summary>Removes, in order, the held packets whose name <paramref name="claimed"/> now accepts.</summary>
    public List<Held> Release(Func<string, bool> claimed)
    {
        var released = new List<Held>();
        for (var node = _held.First; node is not null;)
        {
            var next = node.Next;
            if (claimed(node.Value.Name))
            {
                released.Add(node.Value);
                _held.Remove(node);
            }
            node = next;
        }
        return released;
    }

    /// <summary>Removes the packets whose deadline passed, grouped by name with their counts.</summary>
    public Dictionary<string, int> Expire(long now)
    {
        var expired = new Dictionary<string, int>();
        for (var node = _held.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Deadline <= now)
            {
                expired[node.Value.Name] = expired.GetValueOrDefault(node.Value.Name) + 1;
                _held.Remove(node);
            }
            node = next;
        }
        return expired;
    }

    /// <summary>The earliest deadline, or null when nothing is held.</summary>
    public long? NextDeadline => _held.First?.Value.Deadline;

    public void Clear() => _held.Clear();
}
