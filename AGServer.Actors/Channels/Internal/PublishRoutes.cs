using Akka.Actor;

namespace AGServer.Channels.Internal;

/// <summary>
/// A node broker's routes: for each channel this node publishes on, the other nodes' brokers that subscribe to it, as
/// the channel entity last told. Publishes go straight to those brokers, so delivery between two nodes does not
/// depend on the node that hosts the entity. Until a channel's first routes arrive its publishes are held, in order,
/// up to a node-wide limit. Plain class, tested directly.
/// </summary>
internal sealed class PublishRoutes(IActorRef self, int heldLimit)
{
    /// <summary>One channel's routes.</summary>
    internal sealed class Entry
    {
        /// <summary>Subscribed brokers other than this node's; valid once <see cref="Known"/>.</summary>
        public IActorRef[] Remote = [];

        /// <summary>The entity incarnation whose routes these are; only its updates and revocations count.</summary>
        public IActorRef? Authority;

        public long Version;
        public bool Known;
        public Queue<Publish>? Held;
        public long LastUsed;
        public long RequestedAt;
    }

    private readonly Dictionary<string, Entry> _byChannel = new();

    /// <summary>Publishes held, across channels, until their routes arrive.</summary>
    public int HeldCount { get; private set; }

    public IEnumerable<KeyValuePair<string, Entry>> Entries => _byChannel;

    public bool Has(string channel) => _byChannel.ContainsKey(channel);

    public bool TryGet(string channel, out Entry entry) => _byChannel.TryGetValue(channel, out entry!);

    /// <summary>The channel's entry; a new one (routes unknown, to be requested) when <paramref name="created"/>.</summary>
    public Entry GetOrAdd(string channel, long now, out bool created)
    {
        created = !_byChannel.TryGetValue(channel, out var entry);
        if (created)
        {
            entry = new Entry { RequestedAt = now };
            _byChannel[channel] = entry;
        }
        entry!.LastUsed = now;
        return entry;
    }

    /// <summary>Holds a publish until the channel's routes are known; false when the node-wide limit is reached.</summary>
    public bool Hold(Entry entry, Publish publish)
    {
        if (HeldCount >= heldLimit) return false;
        (entry.Held ??= new Queue<Publish>()).Enqueue(publish);
        HeldCount++;
        return true;
    }

    /// <summary>
    /// Applies routes from <paramref name="entity"/>: a newer version of the same incarnation, or any version of a new
    /// one. Returns the publishes held meanwhile (to send now, in order), or null when none were or the routes were stale.
    /// </summary>
    public Queue<Publish>? Apply(Routes routes, IActorRef entity)
    {
        if (!_byChannel.TryGetValue(routes.Channel, out var entry)) return null;
        if (entity.Equals(entry.Authority) && routes.Version <= entry.Version) return null;
        entry.Authority = entity;
        entry.Version = routes.Version;
        entry.Remote = Array.FindAll(routes.Brokers, broker => !broker.Equals(self));
        entry.Known = true;
        var held = entry.Held;
        entry.Held = null;
        if (held is not null) HeldCount -= held.Count;
        return held;
    }

    /// <summary>Drops a channel's routes when <paramref name="entity"/> is their authority and nothing waits on them.</summary>
    public bool Revoke(string channel, IActorRef entity)
    {
        if (!_byChannel.TryGetValue(channel, out var entry) || !entry.Known || !entity.Equals(entry.Authority)) return false;
        return _byChannel.Remove(channel);
    }

    public void Remove(string channel) => _byChannel.Remove(channel);

    /// <summary>Forgets the brokers of a node that left the cluster; returns how many channels had one.</summary>
    public int RemoveNode(Address node)
    {
        var touched = 0;
        foreach (var entry in _byChannel.Values)
        {
            if (!Array.Exists(entry.Remote, broker => broker.Path.Address.Equals(node))) continue;
            entry.Remote = Array.FindAll(entry.Remote, broker => !broker.Path.Address.Equals(node));
            touched++;
        }
        return touched;
    }
}
