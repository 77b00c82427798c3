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

/// <summary>The entity now forwards <see cref="Channel"/>'s publishes to the broker (registration <see cref="Sequence"/>).</summary>
internal sealed record NodeRegistered(string Channel, long Sequence) : IChannelWireMessage;

/// <summary>
/// A message published on <see cref="Channel"/>, already encoded as the <c>#publish</c> frame every subscriber gets.
/// When <see cref="ReplyTo"/> is set the entity answers <see cref="PublishAccepted"/> with <see cref="Correlation"/>.
/// </summary>
internal sealed record Publish(string Channel, byte[] Frame, IActorRef? ReplyTo, long Correlation) : IChannelEntityMessage;

/// <summary>The entity took the publish and forwarded it to every subscribed node.</summary>
internal sealed record PublishAccepted(long Correlation) : IChannelWireMessage;

/// <summary>The entity forwards a publish to a subscribed node's broker.</summary>
internal sealed record Deliver(string Channel, byte[] Frame) : IChannelWireMessage;

/// <summary>A (re)started entity asks every node's broker whether it has subscribers, to rebuild its registrations.</summary>
internal sealed record WhoSubscribes(string Channel, IActorRef Entity) : IChannelWireMessage;

/// <summary>A broker's answer to <see cref="WhoSubscribes"/>.</summary>
internal sealed record SubscriptionReport(string Channel, IActorRef Broker, bool Subscribed) : IChannelWireMessage;
