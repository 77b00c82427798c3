using Akka.Actor;
using Akka.Cluster.Sharding;

namespace AGServer.Server.Internal;

/// <summary>
/// The sharding settings of AGServer's own regions (channels, per-user budgets): <c>agserver.sharding</c> on top of
/// <c>akka.cluster.sharding</c>. Kept out of <c>akka.cluster.sharding</c> so that an application's regions in the same
/// actor system keep Akka's defaults (or the application's own settings).
/// </summary>
internal static class AGServerSharding
{
    public static ClusterShardingSettings Settings(ActorSystem system)
    {
        var config = system.Settings.Config;
        var sharding = config.GetConfig("agserver.sharding").WithFallback(config.GetConfig("akka.cluster.sharding"));
        return ClusterShardingSettings.Create(sharding, config.GetConfig(sharding.GetString("coordinator-singleton")));
    }
}
