namespace AGServer.Server;

/// <summary>What a socket does when it goes over a <see cref="RateLimit"/>.</summary>
public enum RateLimitPolicy
{
    /// <summary>An invoke, subscribe or <c>invokePublish</c> is answered with a <c>RateLimitedError</c>; a transmit or <c>transmitPublish</c> is dropped. Both are counted.</summary>
    Reject,

    /// <summary>The socket's packet waits until the limit allows it, and the socket processes nothing meanwhile: its reading stops (TCP backpressure).</summary>
    SlowDown,

    /// <summary>Rejected as <see cref="Reject"/>; after <see cref="RateLimit.DisconnectAfter"/> rejections in a row the socket is disconnected with 1008.</summary>
    Disconnect,
}

/// <summary>A token bucket for one socket's actions of one kind and name pattern.</summary>
public sealed class RateLimit
{
    /// <summary>Actions allowed per second, on average.</summary>
    public int PerSecond { get; set; }

    /// <summary>Actions allowed at once after a quiet time (the bucket's size); 0 means <see cref="PerSecond"/>.</summary>
    public int Burst { get; set; }

    public RateLimitPolicy Policy { get; set; } = RateLimitPolicy.Reject;

    /// <summary>With <see cref="RateLimitPolicy.Disconnect"/>: rejections in a row that disconnect the socket (default 10).</summary>
    public int DisconnectAfter { get; set; } = 10;
}

/// <summary>
/// Rate limits per socket, by action and by name pattern (an exact name, or a prefix ending in <c>*</c>; the longest
/// match wins): <see cref="Invoke"/> by procedure, <see cref="Transmit"/> by receiver, <see cref="Subscribe"/> and
/// <see cref="Publish"/> by channel. Bound from configuration, e.g. <c>--AGServer:RateLimits:Invoke:*:PerSecond=100</c>.
/// Checked before middleware, on System.Threading.RateLimiting token buckets (one replenishment timer per limit).
/// </summary>
public sealed class RateLimits
{
    public Dictionary<string, RateLimit> Invoke { get; } = new();

    public Dictionary<string, RateLimit> Transmit { get; } = new();

    public Dictionary<string, RateLimit> Subscribe { get; } = new();

    public Dictionary<string, RateLimit> Publish { get; } = new();

    /// <summary>Only log and count what would be limited; let everything through (to size limits on real traffic).</summary>
    public bool DryRun { get; set; }

    internal IEnumerable<(string Kind, IReadOnlyDictionary<string, RateLimit> Limits)> ByKind()
    {
        yield return ("invoke", Invoke);
        yield return ("transmit", Transmit);
        yield return ("subscribe", Subscribe);
        yield return ("publish", Publish);
    }

    /// <summary>What is wrong with the limits, each with how to fix it.</summary>
    internal IEnumerable<string> Problems()
    {
        foreach (var (kind, limits) in ByKind())
        foreach (var (pattern, limit) in limits)
        {
            var where = $"RateLimits:{char.ToUpperInvariant(kind[0])}{kind[1..]}:{pattern}";
            if (string.IsNullOrEmpty(pattern) || pattern.IndexOf('*') is >= 0 and var star && star != pattern.Length - 1)
                yield return $"{where}: the pattern must be a name, or a prefix ending in a single '*' (e.g. chat/*).";
            if (limit is null)
            {
                yield return $"{where} must not be null.";
                continue;
            }
            if (limit.PerSecond <= 0) yield return $"{where}:PerSecond must be a positive number of actions per second (got {limit.PerSecond}).";
            if (limit.Burst < 0) yield return $"{where}:Burst must be 0 (same as PerSecond) or more (got {limit.Burst}).";
            if (!Enum.IsDefined(limit.Policy)) yield return $"{where}:Policy must be Reject, SlowDown or Disconnect (got {limit.Policy}).";
            if (limit.DisconnectAfter <= 0) yield return $"{where}:DisconnectAfter must be 1 or more (got {limit.DisconnectAfter}).";
        }
    }
}
