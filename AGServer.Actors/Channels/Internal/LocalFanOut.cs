using System.Collections.Concurrent;

namespace AGServer.Channels.Internal;

/// <summary>
/// How many local subscribers each channel has, written by the node's broker as they change and read by any socket
/// before it publishes: the cost of a publish on this node is its deliveries, and the publisher's fan-out budget is
/// charged that many. One dictionary write per subscribe and unsubscribe, none per publish.
/// </summary>
internal sealed class LocalFanOut
{
    private readonly ConcurrentDictionary<string, int> _subscribers = new(StringComparer.Ordinal);

    /// <summary>Local subscribers of <paramref name="channel"/> (0 when none).</summary>
    public int Of(string channel) => _subscribers.TryGetValue(channel, out var count) ? count : 0;

    /// <summary>Called by the broker only, after each change.</summary>
    public void Set(string channel, int count)
    {
        if (count == 0) _subscribers.TryRemove(channel, out _);
        else _subscribers[channel] = count;
    }
}
