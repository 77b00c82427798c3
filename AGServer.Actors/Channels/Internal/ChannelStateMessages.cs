using Akka.Actor;

namespace AGServer.Channels.Internal;

/// <summary>
/// A publish on a channel with history, sent to its entity, which gives it the next offset, keeps it and forwards it
/// to every subscribed node (history needs one sequencer, so these do not go broker to broker).
/// </summary>
internal sealed record SequencedPublish(string Channel, byte[] Frame, IActorRef? ReplyTo, long Correlation) : IChannelEntityMessage;

/// <summary>A socket of <see cref="Broker"/>'s node subscribed to a channel with presence.</summary>
internal sealed record PresenceJoin(string Channel, IActorRef Broker, string SocketId, string? UserId) : IChannelEntityMessage;

/// <summary>A socket of <see cref="Broker"/>'s node left a channel with presence.</summary>
internal sealed record PresenceLeave(string Channel, IActorRef Broker, string SocketId) : IChannelEntityMessage;

/// <summary>Asks for a channel's presence; answered with <see cref="PresenceAnswer"/>.</summary>
internal sealed record PresenceQuery(string Channel, bool WithMembers, IActorRef ReplyTo, long Correlation) : IChannelEntityMessage;

internal sealed record PresenceAnswer(string Channel, long Correlation, bool Enabled, int Sockets, int Users, PresenceMember[] Members) : IChannelWireMessage;

/// <summary>
/// Asks for a channel's history: with <see cref="Epoch"/> the publications after <see cref="Since"/> (recovery), else the
/// latest <see cref="Limit"/>. Answered with <see cref="HistoryAnswer"/>.
/// </summary>
internal sealed record HistoryQuery(string Channel, string? Epoch, long Since, int Limit, IActorRef ReplyTo, long Correlation) : IChannelEntityMessage;

/// <summary>
/// The history asked for: the frames subscribers got, oldest first, and the offset of the latest publication.
/// <see cref="Complete"/> is false when a recovery cannot be served (another epoch, or publications already dropped).
/// </summary>
internal sealed record HistoryAnswer(string Channel, long Correlation, bool Enabled, string Epoch, long Offset, bool Complete, byte[][] Frames) : IChannelWireMessage;

/// <summary>A handed-off entity's history, sent through the region to the channel's next home, which takes it over.</summary>
internal sealed record HistoryHandoff(string Channel, string Epoch, long Offset, HistoryBuffer.Entry[] Entries) : IChannelEntityMessage;
