namespace AGServer.Bench.Floor;

/// <summary>Subscribers per channel, in process: a lock and a copied array per change, read without a lock per publish.</summary>
internal sealed class FloorHub
{
    private readonly Dictionary<string, FloorSocket[]> _channels = new();

    public void Subscribe(string channel, FloorSocket socket)
    {
        lock (_channels) _channels[channel] = [.. _channels.GetValueOrDefault(channel) ?? [], socket];
    }

    public void Unsubscribe(string channel, FloorSocket socket)
    {
        lock (_channels)
            if (_channels.TryGetValue(channel, out var sockets)) _channels[channel] = Array.FindAll(sockets, s => s != socket);
    }

    public FloorSocket[] Of(string channel)
    {
        lock (_channels) return _channels.GetValueOrDefault(channel) ?? [];
    }
}
