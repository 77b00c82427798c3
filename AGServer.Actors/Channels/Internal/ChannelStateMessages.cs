using Akka.Actor;

namespace AGServer.Channels.Internal;

/// <summary>
/// A publish on a channel with history, sent by the publishing node's broker to the channel's entity, which gives it
/// the next offset, keeps it, forwards it to every subscribed node (history needs one sequencer, so these do not go
/// broker to broker) and answers <see cref="PublishAccepted"/> with <see cref="Correlation"/> once its replica has it.
/// The broker sends it again until answered (<see cref="Internal.SequencingPublishes"/>); <see cref="Key"/> makes a
/// publish sent twice count once.
/// </summary>
internal sealed record SequencedPublish(string Channel, byte[] Frame, IActorRef? ReplyTo, long Correlation, PublishKey Key = default) : IChannelEntityMessage;

/// <summary>
/// A numbered publication, from the entity to a subscribed node's broker (delivered there, and kept in its copy of
/// the history's tail) and to the entity's replica (<see cref="Replica"/>: kept, and acknowledged with
/// <see cref="HistoryReplicated"/>).
/// </summary>
internal sealed record HistoryDeliver(string Channel, string Epoch, HistoryBuffer.Entry Entry, bool Replica) : IChannelWireMessage;

/// <summary>The entity's whole history, to a new replica (which replaces its copy with it and acknowledges).</summary>
internal sealed record HistoryReplicate(string Channel, string Epoch, long Offset, HistoryBuffer.Entry[] Entries) : IChannelWireMessage;

/// <summary>The replica keeps the channel's history up to <see cref="Offset"/> of <see cref="Epoch"/>.</summary>
internal sealed record HistoryReplicated(string Channel, string Epoch, long Offset) : IChannelWireMessage;

/// <summary>The node is no longer the channel's replica (another is, or the entity stopped): it drops its copy unless it subscribes.</summary>
internal sealed record HistoryForget(string Channel) : IChannelWireMessage;

/// <summary>A broker's copy of a channel's history, in its answer to a (re)started entity.</summary>
internal sealed record HistoryTail(string Epoch, long Offset, HistoryBuffer.Entry[] Entries);

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
