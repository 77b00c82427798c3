using Akka.Actor;

namespace AGServer.Channels.Internal;

/// <summary>A channel entity's bookkeeping: the node brokers that have subscribers. Plain class, tested directly.</summary>
internal sealed class NodeRegistrations
{
    private readonly List<IActorRef> _brokers = new();

    public IReadOnlyList<IActorRef> Brokers => _brokers;

    public bool IsEmpty => _brokers.Count == 0;

    /// <summary>Adds a broker; false when it was already there.</summary>
    public bool Add(IActorRef broker)
    {
        if (_brokers.Contains(broker)) return false;
        _brokers.Add(broker);
        return true;
    }

    /// <summary>Removes a broker; false when it was not there.</summary>
    public bool Remove(IActorRef broker) => _brokers.Remove(broker);
}
