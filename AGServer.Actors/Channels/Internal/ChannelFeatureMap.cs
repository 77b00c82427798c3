namespace AGServer.Channels.Internal;

/// <summary>
/// Resolves a channel name to its <see cref="ChannelFeatures"/>: an exact pattern, or a prefix ending in <c>*</c>
/// (<c>room/*</c>, <c>*</c>); the longest matching pattern wins. Presence companion channels never have features.
/// Plain class, tested directly.
/// </summary>
internal sealed class ChannelFeatureMap
{
    /// <summary>Join and leave notifications of channel <c>c</c> are published on <c>$presence:c</c>.</summary>
    public const string PresencePrefix = "$presence:";

    private readonly (string Pattern, bool Prefix, ChannelFeatures Features)[] _patterns;

    public ChannelFeatureMap(IReadOnlyDictionary<string, ChannelFeatures>? patterns)
    {
        _patterns = (patterns ?? new Dictionary<string, ChannelFeatures>())
            .Select(p => p.Key.EndsWith('*') ? (p.Key[..^1], true, p.Value) : (p.Key, false, p.Value))
            .OrderByDescending(p => p.Item1.Length)
            .ThenBy(p => p.Item2) // an exact pattern before a prefix of the same length
            .ToArray();
    }

    public static readonly ChannelFeatureMap Empty = new(null);

    public bool IsEmpty => _patterns.Length == 0;

    public ChannelFeatures For(string channel)
    {
        if (_patterns.Length == 0 || channel.StartsWith(PresencePrefix, StringComparison.Ordinal)) return ChannelFeatures.None;
        foreach (var (pattern, prefix, features) in _patterns)
            if (prefix ? channel.StartsWith(pattern, StringComparison.Ordinal) : channel == pattern)
                return features;
        return ChannelFeatures.None;
    }

    /// <summary>What is wrong with the patterns, each with how to fix it.</summary>
    public static IEnumerable<string> Problems(IReadOnlyDictionary<string, ChannelFeatures>? patterns)
    {
        foreach (var (pattern, features) in patterns ?? new Dictionary<string, ChannelFeatures>())
        {
            if (string.IsNullOrEmpty(pattern) || pattern.IndexOf('*') is >= 0 and var star && star != pattern.Length - 1)
                yield return $"Channels pattern '{pattern}' must be a channel name, or a prefix ending in a single '*' (e.g. room/*).";
            if (features is null)
            {
                yield return $"Channels['{pattern}'] must not be null.";
                continue;
            }
            if (features.HistorySize < 0)
                yield return $"Channels['{pattern}'].HistorySize must be 0 (no history) or more (got {features.HistorySize}).";
            if (features.HistoryTtl is { } ttl && ttl <= TimeSpan.Zero)
                yield return $"Channels['{pattern}'].HistoryTtl must be a positive time span such as 00:05:00 (got {ttl}).";
            if (features.Recovery && features.HistorySize <= 0)
                yield return $"Channels['{pattern}'].Recovery needs a history: set HistorySize above 0.";
        }
    }
}
