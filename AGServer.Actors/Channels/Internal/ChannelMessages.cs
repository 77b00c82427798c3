using Akka.Actor;

namespace AGServer.Channels.Internal;

/// <summary>Messages that may cross nodes; bound to <see cref="ChannelMessageSerializer"/>.</summary>
internal interface IChannelWireMessage;

/// <summary>Messages routed by channel name to a <see cref="ChannelEntity"/> through the sharding region.</summary>
internal interface IChannelEntityMessage : IChannelWireMessage
{
    string Channel { get; }
}

/// <summary>A node broker has its first local subscriber to <see cref="Channel"/>. Answered by <see cref="NodeRegistered"/>.</summary>
internal sealed record RegisterNode(string Channel, IActorRef Broker, long Sequence) : IChannelEntityMessage;

/// <summary>A node broker lost its last local subscriber to <see cref="Channel"/>.</summary>
internal sealed record UnregisterNode(string Channel, IActorRef Broker) : IChannelEntityMessage;

/// <summary>
/// Every broker that publishes on <see cref="Channel"/> has been told about the registration (<see cref="Sequence"/>):
/// a publish made from now on reaches the registered node.
/// </summary>
internal sealed record NodeRegistered(string Channel, long Sequence) : IChannelWireMessage;

/// <summary>A broker is about to publish on <see cref="Channel"/> and needs its routes. Answered by <see cref="Routes"/>.</summary>
internal sealed record RouteRequest(string Channel, IActorRef Broker) : IChannelEntityMessage;

/// <summary>A broker no longer publishes on <see cref="Channel"/>: the entity stops keeping its routes current.</summary>
internal sealed record ReleaseRoutes(string Channel, IActorRef Broker) : IChannelEntityMessage;

/// <summary>
/// The entity's current list of subscribed brokers, sent to every broker that publishes on the channel (a route
/// holder) whenever it changes. <see cref="Version"/> grows with each change of one entity incarnation; the holder
/// answers <see cref="RoutesAck"/>.
/// </summary>
internal sealed record Routes(string Channel, IActorRef[] Brokers, long Version) : IChannelWireMessage;

/// <summary>A route holder applied <see cref="Routes"/> of <see cref="Version"/>.</summary>
internal sealed record RoutesAck(string Channel, long Version) : IChannelWireMessage;

/// <summary>The entity stops (passivates) and no longer keeps the holder's routes current: the holder drops them.</summary>
internal sealed record RoutesRevoked(string Channel) : IChannelWireMessage;

/// <summary>
/// A publish, sent by the publishing node's broker straight to a subscribed node's broker; with the publish's span as
/// W3C <c>traceparent</c> while traces are recorded (the delivery's span continues it).
/// </summary>
internal sealed record Deliver(string Channel, byte[] Frame, string? TraceParent = null) : IChannelWireMessage;

/// <summary>A (re)started entity asks every node's broker whether it has subscribers or publishes, to rebuild its state.</summary>
internal sealed record WhoSubscribes(string Channel, IActorRef Entity) : IChannelWireMessage;

/// <summary>
/// A broker's answer to <see cref="WhoSubscribes"/>: whether it has subscribers, whether it holds routes, (for a
/// channel with presence) its subscribed sockets, and (for a channel with history) its copy of the history's tail.
/// </summary>
internal sealed record SubscriptionReport(string Channel, IActorRef Broker, bool Subscribed, bool HoldsRoutes = false, PresenceMember[]? Members = null,
    HistoryTail? Tail = null) : IChannelWireMessage;

/// <summary>
/// A message published on <see cref="Channel"/>, already encoded as the <c>#publish</c> frame every subscriber gets,
/// handed to this node's broker. When <see cref="ReplyTo"/> is set the broker answers <see cref="PublishAccepted"/>
/// (or <see cref="PublishFailed"/>) with <see cref="Correlation"/>. Never crosses nodes (see <see cref="SequencedPublish"/>).
/// <see cref="Reserved"/>: bytes of the node's outbound budget a publishing socket reserved for the publish's local
/// deliveries, given back by the broker once the outboxes hold them (so a socket sees the cost of the publishes it
/// already handed on, not only of those delivered).
/// </summary>
/// <see cref="Trace"/>: the span the publish was made in (a handler's, say), the parent of the publish's span.
internal sealed record Publish(string Channel, byte[] Frame, IActorRef? ReplyTo, long Correlation, long Reserved = 0,
    System.Diagnostics.ActivityContext Trace = default);

/// <summary>The publish was delivered to local subscribers and sent to every subscribed node.</summary>
internal sealed record PublishAccepted(long Correlation) : IChannelWireMessage;

/// <summary>The publish was not taken (its routes are unknown and too many publishes wait for them).</summary>
internal sealed record PublishFailed(long Correlation, string Reason) : IChannelWireMessage;
