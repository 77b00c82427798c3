using AGServer.Protocol;

namespace AGServer.Channels;

/// <summary>A member of a channel with presence: one subscribed socket, its user (from its auth token) and its node.</summary>
public sealed record PresenceMember(string SocketId, string? UserId, string Node);

/// <summary>
/// Who is in a channel, cluster-wide: the number of subscribed sockets, of distinct users among them (sockets without
/// a user are not counted as users), and the members themselves when asked for.
/// </summary>
public sealed record ChannelPresence(int Sockets, int Users, IReadOnlyList<PresenceMember> Members) : Protocol.IProtocolPayload;

/// <summary>One kept publication of a channel with history: its offset (one more than the previous one's) and its data.</summary>
public sealed record Publication(long Offset, RawJson Data);

/// <summary>
/// A channel's history: its <see cref="Epoch"/> (changes when the history was lost, e.g. its node crashed), the offset
/// of its latest publication, and the publications asked for, oldest first.
/// </summary>
public sealed record ChannelHistory(string Epoch, long Offset, IReadOnlyList<Publication> Publications) : Protocol.IProtocolPayload;
