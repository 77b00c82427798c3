using Akka.Cluster.Sharding;

namespace AGServer.Sockets;

/// <summary>
/// The message extractor of a shard region that serves routed requests
/// (<c>MapProcedure&lt;TData&gt;(name, region, entityId)</c>), made by <see cref="ActorRequest.ShardMessageExtractor"/>. AGServer sends each request in a
/// <see cref="ShardingEnvelope"/> built from checked data, which Akka.Cluster.Sharding unwraps itself (as it does
/// <see cref="ShardRegion.StartEntity"/>): the entity gets the <see cref="ActorRequest"/>, and nothing a client sends
/// is read inside the region, so nothing a client sends can make it throw. Send other messages for these entities in
/// a <see cref="ShardingEnvelope"/> too; anything else names no entity and is unhandled.
/// </summary>
internal sealed class RoutedRequestExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    public override string EntityId(object message) => null!;
}
