namespace AGServer.Channels;

/// <summary>
/// What a channel keeps beyond delivery, configured per channel-name pattern in <see cref="Server.AGServerOptions.Channels"/>
/// (configuration section <c>AGServer:Channels</c>, e.g. <c>"hist/*": { "HistorySize": 100, "HistoryTtl": "00:05:00",
/// "Presence": true, "Recovery": true }</c>). Channels that match no pattern keep nothing and cost what they always did.
/// </summary>
public sealed class ChannelFeatures
{
    /// <summary>How many of the latest publications the channel keeps (0: no history). Publications get offsets.</summary>
    public int HistorySize { get; set; }

    /// <summary>
    /// How long a kept publication stays in the history; unset: until newer ones push it out. A channel's entity stays
    /// in memory while its history holds publications, so set a TTL for channels that come and go.
    /// </summary>
    public TimeSpan? HistoryTtl { get; set; }

    /// <summary>Track the channel's members (sockets and users) cluster-wide, with join and leave notifications.</summary>
    public bool Presence { get; set; }

    /// <summary>A subscriber that re-subscribes with its last offset and epoch gets what it missed (needs a history).</summary>
    public bool Recovery { get; set; }

    internal bool HasHistory => HistorySize > 0;

    internal static readonly ChannelFeatures None = new();
}
