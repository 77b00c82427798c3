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

    public int Count => _copies.Count;

    /// <summary>A publication passing by (to deliver here, or as the replica's copy).</summary>
    public void Put(HistoryDeliver deliver, long nowMs)
    {
        if (deliver.Replica) _replicaOf.Add(deliver.Channel);
        CopyOf(deliver.Channel).Put(deliver.Epoch, deliver.Entry, nowMs);
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
        if (!subscribed) _copies.Remove(channel);
    }

    /// <summary>This node's last subscriber of the channel left.</summary>
    public void Unsubscribed(string channel)
    {
        if (!_replicaOf.Contains(channel)) _copies.Remove(channel);
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
