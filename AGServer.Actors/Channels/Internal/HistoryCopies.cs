namespace AGServer.Channels.Internal;

/// <summary>
/// A broker's copies of channel histories, from which a channel's entity continues (same epoch, same offsets) after
/// its node crashed: the tail of every channel with history this node subscribes to (kept as its publications pass
/// by, so whatever a subscriber here got is in it), and the whole history of the channels whose entity chose this
/// node as its replica. Each copy is bounded like the history itself (size and TTL). A copy goes when the node stops
/// subscribing and is not the replica, or stops being the replica and does not subscribe.
/// </summary>
internal sealed class HistoryCopies(ChannelFeatureMap features)
{
    private readonly Dictionary<string, HistoryBuffer> _copies = new();
    private readonly HashSet<string> _replicaOf = new();

    /// <summary>Per channel subscribed here, the last publication passed on to the subscribers.</summary>
    private readonly Dictionary<string, (string Epoch, long Offset)> _delivered = new();

    public int Count => _copies.Count;

    /// <summary>
    /// A publication passing by (to deliver here, or as the replica's copy). False when this node already passed it
    /// (or a later one of its epoch) on to its subscribers: two incarnations of an entity, or a message sent again
    /// around a move, never make a subscriber here get one (epoch, offset) twice.
    /// </summary>
    public bool Put(HistoryDeliver deliver, long nowMs)
    {
        if (deliver.Replica) _replicaOf.Add(deliver.Channel);
        CopyOf(deliver.Channel).Put(deliver.Epoch, deliver.Entry, nowMs);
        if (_delivered.TryGetValue(deliver.Channel, out var last) && last.Epoch == deliver.Epoch && deliver.Entry.Offset <= last.Offset)
            return false;
        _delivered[deliver.Channel] = (deliver.Epoch, deliver.Entry.Offset);
        return true;
    }

    /// <summary>The entity's whole history, this node being its new replica.</summary>
    public void Replace(HistoryReplicate snapshot)
    {
        _replicaOf.Add(snapshot.Channel);
        var copy = New(snapshot.Channel);
        copy.Adopt(snapshot.Epoch, snapshot.Offset, snapshot.Entries);
        _copies[snapshot.Channel] = copy;
    }

    /// <summary>This node is no longer the channel's replica.</summary>
    public void Forget(string channel, bool subscribed)
    {
        _replicaOf.Remove(channel);
        if (!subscribed) Remove(channel);
    }

    /// <summary>This node's last subscriber of the channel left.</summary>
    public void Unsubscribed(string channel)
    {
        _delivered.Remove(channel);
        if (!_replicaOf.Contains(channel)) Remove(channel);
    }

    private void Remove(string channel)
    {
        _copies.Remove(channel);
        _delivered.Remove(channel);
    }

    /// <summary>The copy, for a (re)started entity; null when this node keeps none.</summary>
    public HistoryTail? TailOf(string channel, long nowMs)
    {
        if (!_copies.TryGetValue(channel, out var copy)) return null;
        copy.Trim(nowMs);
        return copy.Offset == 0 ? null : new HistoryTail(copy.Epoch, copy.Offset, copy.All);
    }

    private HistoryBuffer CopyOf(string channel)
    {
        if (!_copies.TryGetValue(channel, out var copy)) _copies[channel] = copy = New(channel);
        return copy;
    }

    private HistoryBuffer New(string channel)
    {
        var these = features.For(channel);
        return new HistoryBuffer(Math.Max(1, these.HistorySize), these.HistoryTtl);
    }
}
