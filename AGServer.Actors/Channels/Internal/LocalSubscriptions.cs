namespace AGServer.Channels.Internal;

/// <summary>
/// A node broker's bookkeeping: local subscribers per channel. Adding and removing a subscriber costs O(1) (a reconnect
/// storm on a big channel stays linear); fan-out reads an array snapshot, rebuilt once after a run of changes, so
/// publishes need no copy. Plain class, tested directly.
/// </summary>
internal sealed class LocalSubscriptions
{
    private static readonly IChannelSubscriber[] None = [];
    private readonly Dictionary<string, Members> _byChannel = new();

    /// <summary>One channel's subscribers: a list with swap-remove, an index into it, and the snapshot for fan-out.</summary>
    private sealed class Members
    {
        public readonly List<IChannelSubscriber> List = [];
        public readonly Dictionary<IChannelSubscriber, int> Index = new(ReferenceEqualityComparer.Instance);
        public IChannelSubscriber[]? Snapshot;
    }

    public int ChannelCount => _byChannel.Count;

    /// <summary>How many local subscribers <paramref name="channel"/> has.</summary>
    public int CountOf(string channel) => _byChannel.TryGetValue(channel, out var members) ? members.List.Count : 0;

    /// <summary>Adds a subscriber; true when it is the channel's first local one.</summary>
    public bool Add(string channel, IChannelSubscriber subscriber)
    {
        var first = false;
        if (!_byChannel.TryGetValue(channel, out var members))
        {
            members = new Members();
            _byChannel[channel] = members;
            first = true;
        }
        if (members.Index.TryAdd(subscriber, members.List.Count))
        {
            members.List.Add(subscriber);
            members.Snapshot = null;
        }
        return first;
    }

    /// <summary>Removes a subscriber; true when it was the channel's last local one.</summary>
    public bool Remove(string channel, IChannelSubscriber subscriber)
    {
        if (!_byChannel.TryGetValue(channel, out var members) || !members.Index.Remove(subscriber, out var at)) return false;
        var lastAt = members.List.Count - 1;
        if (at != lastAt)
        {
            var moved = members.List[lastAt];
            members.List[at] = moved;
            members.Index[moved] = at;
        }
        members.List.RemoveAt(lastAt);
        members.Snapshot = null;
        if (members.List.Count > 0) return false;
        _byChannel.Remove(channel);
        return true;
    }

    public bool Has(string channel) => _byChannel.ContainsKey(channel);

    /// <summary>The channels with local subscribers.</summary>
    public IEnumerable<string> Channels => _byChannel.Keys;

    /// <summary>The channel's subscribers; an array kept as is until the next change, so fan-out needs no copy.</summary>
    public IChannelSubscriber[] Of(string channel) =>
        _byChannel.TryGetValue(channel, out var members) ? members.Snapshot ??= members.List.ToArray() : None;
}
