using Akka.Hosting;
using LogLevel = Akka.Event.LogLevel;

namespace AGServer.Hosting;

// AGServer's part of an Akka.Hosting actor system. AddAGServer calls it for the system it makes; an application
// that runs its own AddAkka calls it in there (before AddAGServer) to share that system.
public static partial class AGServerHostingExtensions
{
    /// <summary>
    /// Adds AGServer's Akka settings (cluster.hocon: cluster provider, split-brain resolver, sharding, the channel
    /// serializer; this node's hostname, cluster port and seeds from <paramref name="node"/>) as fallbacks, so the
    /// application's own <c>WithRemoting</c>, <c>WithClustering</c> or HOCON win, and sends Akka's log events to the
    /// application's <c>ILoggerFactory</c> (category <c>Akka.Actor.ActorSystem</c>, warnings and above). The channel
    /// shard region (role <c>agserver</c>) is started by the server when the node starts.
    /// </summary>
    public static AkkaConfigurationBuilder WithAGServer(this AkkaConfigurationBuilder akka, NodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        akka.AddHocon(AkkaConfig.For(node), HoconAddMode.Append);
        akka.ConfigureLoggers(loggers =>
        {
            loggers.LogLevel = LogLevel.WarningLevel;
            loggers.ClearLoggers();
            loggers.AddLoggerFactory();
        });
        return akka;
    }
}
