using Akka.Actor;

namespace AGServer.Channels.Internal;

/// <summary>
/// A channel entity's presence: its members (subscribed sockets) by socket id, with their user and broker, and how
/// many sockets each user has, so both counts are O(1). Plain class, tested directly.
/// </summary>
internal sealed class PresenceTracker
{
    private readonly Dictionary<string, (string? UserId, IActorRef Broker, string Node)> _members = new();
    private readonly Dictionary<string, int> _socketsPerUser = new();

    public int Sockets => _members.Count;

    public int Users => _socketsPerUser.Count;

    /// <summary>Adds a member; false when it was there already.</summary>
    public bool Join(string socketId, string? userId, IActorRef broker, string node)
    {
        if (!_members.TryAdd(socketId, (userId, broker, node))) return false;
        if (userId is not null) _socketsPerUser[userId] = _socketsPerUser.GetValueOrDefault(userId) + 1;
        return true;
    }

    /// <summary>Removes a member; its user when it was there, else null with <paramref name="removed"/> false.</summary>
    public string? Leave(string socketId, out bool removed)
    {
        removed = _members.Remove(socketId, out var member);
        if (!removed) return null;
        if (member.UserId is { } user)
        {
            var left = _socketsPerUser[user] - 1;
            if (left == 0) _socketsPerUser.Remove(user);
            else _socketsPerUser[user] = left;
        }
        return member.UserId;
    }

    /// <summary>Removes every member served by <paramref name="broker"/> (its node is gone); returns them.</summary>
    public List<(string SocketId, string? UserId)> LeaveAll(IActorRef broker)
    {
        var gone = _members.Where(m => m.Value.Broker.Equals(broker)).Select(m => (m.Key, m.Value.UserId)).ToList();
        foreach (var (socketId, _) in gone) Leave(socketId, out _);
        return gone;
    }

    public IEnumerable<PresenceMember> Members => _members.Select(m => new PresenceMember(m.Key, m.Value.UserId, m.Value.Node));

    public string? NodeOf(string socketId) => _members.TryGetValue(socketId, out var member) ? member.Node : null;
}
