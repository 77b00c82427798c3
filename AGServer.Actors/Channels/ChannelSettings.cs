using Akka.Configuration;

namespace AGServer.Channels;

/// <summary>Channel settings from the <c>agserver.channels</c> section of cluster.hocon, read once at start.</summary>
/// <param name="NumberOfShards">Shards the channel entities are spread over.</param>
/// <param name="PassivateIdleAfter">An entity with no subscribed node and no message for this long stops.</param>
/// <param name="RecoveryTimeout">How long a (re)started entity waits for the brokers' reports.</param>
/// <param name="RouteAckTimeout">How long a channel entity waits for a publishing broker to confirm new routes before it revokes them.</param>
/// <param name="RoutesIdleAfter">A broker that has not published on a channel for this long releases the channel's routes.</param>
/// <param name="HeldPublishesLimit">Publishes a broker holds, across channels, while it waits for their routes (or, on channels with history, for their entity's answer); beyond it new ones are refused.</param>
/// <param name="SequenceTimeout">A publish on a channel with history that its entity has not confirmed within this long gets an error.</param>
/// <param name="HistoryJournal">Histories are also written to the Akka.Persistence journal (see <see cref="Hosting.NodeOptions.HistoryJournal"/>).</param>
internal sealed record ChannelSettings(
    int NumberOfShards,
    TimeSpan PassivateIdleAfter,
    TimeSpan RecoveryTimeout,
    TimeSpan RouteAckTimeout,
    TimeSpan RoutesIdleAfter,
    int HeldPublishesLimit,
    TimeSpan SequenceTimeout,
    bool HistoryJournal = false)
{
    public static readonly ChannelSettings Default = new(100, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2),
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60), 10_000, TimeSpan.FromSeconds(9));

    public static ChannelSettings From(Config config)
    {
        var section = config.GetConfig("agserver.channels");
        return new ChannelSettings(
            section.GetInt("number-of-shards", Default.NumberOfShards),
            section.GetTimeSpan("passivate-idle-after", Default.PassivateIdleAfter),
            section.GetTimeSpan("recovery-timeout", Default.RecoveryTimeout),
            section.GetTimeSpan("route-ack-timeout", Default.RouteAckTimeout),
            section.GetTimeSpan("routes-idle-after", Default.RoutesIdleAfter),
            section.GetInt("held-publishes-limit", Default.HeldPublishesLimit),
            section.GetTimeSpan("sequence-timeout", Default.SequenceTimeout),
            section.GetBoolean("history-journal", false));
    }
}
