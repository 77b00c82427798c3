using Akka.Cluster.Sharding;

namespace AGServer.Channels.Internal;

/// <summary>Routes channel messages to the entity named after the channel.</summary>
internal sealed class ChannelMessageExtractor(int numberOfShards) : HashCodeMessageExtractor(numberOfShards)
{
    public override string? EntityId(object message) => (message as IChannelEntityMessage)?.Channel;
}
