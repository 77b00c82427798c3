namespace AGServer.Channels.Internal;

/// <summary>A node broker's bookkeeping: local subscribers per channel. Plain class, tested directly.</summary>
internal sealed class LocalSubscriptions
{
    private static readonly IChannelSubscriber[] None = [];
    private readonly Dictionary<string, IChannelSubscriber[]> _byChannel = new();

    public int ChannelCount => _byChannel.Count;

    /// <summary>Adds a subscriber; true when it is the channel's first local one.</summary>
    public bool Add(string channel, IChannelSubscriber subscriber)
    {
        if (!_byChannel.TryGetValue(channel, out var subscribers))
        {
            _byChannel[channel] = [subscriber];
            return true;
        }
        if (Array.IndexOf(subscribers, subscriber) < 0) _byChannel[channel] = [.. subscribers, subscriber];
        return false;
    }

    /// <summary>Removes a subscriber; true when it was the channel's last local one.</summary>
    public bool Remove(string channel, IChannelSubscriber subscriber)
    {
        if (!_byChannel.TryGetValue(channel, out var subscribers) || Array.IndexOf(subscribers, subscriber) < 0) return false;
        if (subscribers.Length == 1)
        {
            _byChannel.Remove(channel);
            return true;
        }
        _byChannel[channel] = subscribers.Where(s => !ReferenceEquals(s, subscriber)).ToArray();
        return false;
    }

    public bool Has(string channel) => _byChannel.ContainsKey(channel);

    /// <summary>The channel's subscribers; an array kept as is until the next change, so fan-out needs no copy.</summary>
    public IChannelSubscriber[] Of(string channel) => _byChannel.GetValueOrDefault(channel, None);
}
