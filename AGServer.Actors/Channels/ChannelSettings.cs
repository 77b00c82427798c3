using Akka.Configuration;

namespace AGServer.Channels;

/// <summary>Channel settings from the <c>agserver.channels</c> section of cluster.hocon, read once at start.</summary>
internal sealed record ChannelSettings(int NumberOfShards, TimeSpan PassivateIdleAfter, TimeSpan RecoveryTimeout)
{
    public static ChannelSettings From(Config config)
    {
        var section = config.GetConfig("agserver.channels");
        return new ChannelSettings(
            section.GetInt("number-of-shards", 100),
            section.GetTimeSpan("passivate-idle-after", TimeSpan.FromSeconds(30)),
            section.GetTimeSpan("recovery-timeout", TimeSpan.FromSeconds(2)));
    }
}
