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
    /// <summary>Actions allowed per second, on average (for <see cref="RateLimits.FanOut"/>: deliveries); 0 turns the limit off.</summary>
    public int PerSecond { get; set; }

    /// <summary>Actions allowed at once after a quiet time (the bucket's size); 0 means <see cref="PerSecond"/>.</summary>
    public int Burst { get; set; }

    public RateLimitPolicy Policy { get; set; } = RateLimitPolicy.Reject;

    /// <summary>With <see cref="RateLimitPolicy.Disconnect"/>: rejections in a row that disconnect the socket (default 10).</summary>
    public int DisconnectAfter { get; set; } = 10;

    /// <summary>
    /// The bucket is the user's, shared by all of the user's sockets on every node of the cluster (a socket without a
    /// user has its own). Nodes lease tokens from the user's budget a tenth of a second's worth at a time.
    /// </summary>
    public bool PerUser { get; set; }
}

/// <summary>
/// Rate limits per socket, by action and by name pattern (an exact name, or a prefix ending in <c>*</c>; the longest
/// match wins): <see cref="Invoke"/> by procedure, <see cref="Transmit"/> by receiver, <see cref="Subscribe"/> and
/// <see cref="Publish"/> by channel, and <see cref="FanOut"/>: a publish's deliveries on this node, by channel. Bound
/// from configuration, e.g. <c>--AGServer:RateLimits:Invoke:*:PerSecond=100</c>; <c>PerSecond=0</c> turns a limit off.
/// Checked before middleware, on System.Threading.RateLimiting token buckets (one replenishment timer per limit).
/// A public server's defaults are set (see <see cref="UseDefaults"/>): every client-driven rate has a limit, and a
/// socket over it is slowed down (its reading pauses), not refused.
/// </summary>
public sealed class RateLimits
{
    /// <summary>Default invokes per second and socket, for every procedure.</summary>
    public const int DefaultInvokesPerSecond = 500;

    /// <summary>Default transmits per second and socket, for every receiver.</summary>
    public const int DefaultTransmitsPerSecond = 500;

    /// <summary>
    /// Default subscribes per second and socket, and its burst: a subscribe to a channel new to the node starts its
    /// entity, and a burst of 500 of those made the node's other clients wait twice as long (a client resubscribing 500
    /// channels after a reconnect takes 4 s; raise <see cref="RateLimit.Burst"/> for such clients).
    /// </summary>
    public const int DefaultSubscribesPerSecond = 100;

    /// <summary>Default publishes per second and socket, for every channel.</summary>
    public const int DefaultPublishesPerSecond = 200;

    /// <summary>Default deliveries per second a socket's publishes may cost this node (e.g. 10 publishes/s to 2,000 subscribers).</summary>
    public const int DefaultFanOutPerSecond = 20_000;

    public RateLimits() => UseDefaults();

    public Dictionary<string, RateLimit> Invoke { get; } = new();

    public Dictionary<string, RateLimit> Transmit { get; } = new();

    public Dictionary<string, RateLimit> Subscribe { get; } = new();

    public Dictionary<string, RateLimit> Publish { get; } = new();

    /// <summary>Deliveries on this node per second that a socket's publishes may cost, by channel: a publish to N local subscribers takes N tokens.</summary>
    public Dictionary<string, RateLimit> FanOut { get; } = new();

    /// <summary>Puts back the defaults for every kind (pattern <c>*</c>, slow down; a second's worth as burst).</summary>
    public void UseDefaults()
    {
        Invoke["*"] = Default(DefaultInvokesPerSecond);
        Transmit["*"] = Default(DefaultTransmitsPerSecond);
        Subscribe["*"] = Default(DefaultSubscribesPerSecond);
        Publish["*"] = Default(DefaultPublishesPerSecond);
        FanOut["*"] = Default(DefaultFanOutPerSecond);
    }

    /// <summary>Removes every limit (a trusted network, a benchmark).</summary>
    public void Clear()
    {
        foreach (var (_, limits) in ByKindMutable()) limits.Clear();
    }

    private static RateLimit Default(int perSecond) => new() { PerSecond = perSecond, Policy = RateLimitPolicy.SlowDown };

    private IEnumerable<(string Kind, Dictionary<string, RateLimit> Limits)> ByKindMutable()
    {
        yield return ("invoke", Invoke);
        yield return ("transmit", Transmit);
        yield return ("subscribe", Subscribe);
        yield return ("publish", Publish);
        yield return ("fanout", FanOut);
    }

    /// <summary>Only log and count what would be limited; let everything through (to size limits on real traffic).</summary>
    public bool DryRun { get; set; }

    internal IEnumerable<(string Kind, IReadOnlyDictionary<string, RateLimit> Limits)> ByKind() =>
        ByKindMutable().Select(k => (k.Kind, (IReadOnlyDictionary<string, RateLimit>)k.Limits));

    /// <summary>What is wrong with the limits, each with how to fix it.</summary>
    internal IEnumerable<string> Problems()
    {
        foreach (var (kind, limits) in ByKind())
        foreach (var (pattern, limit) in limits)
        {
            var where = $"RateLimits:{(kind == "fanout" ? "FanOut" : char.ToUpperInvariant(kind[0]) + kind[1..])}:{pattern}";
            if (string.IsNullOrEmpty(pattern) || pattern.IndexOf('*') is >= 0 and var star && star != pattern.Length - 1)
                yield return $"{where}: the pattern must be a name, or a prefix ending in a single '*' (e.g. chat/*).";
            if (limit is null)
            {
                yield return $"{where} must not be null.";
                continue;
            }
            if (limit.PerSecond < 0) yield return $"{where}:PerSecond must be a number of actions per second, or 0 for no limit (got {limit.PerSecond}).";
            if (limit.Burst < 0) yield return $"{where}:Burst must be 0 (same as PerSecond) or more (got {limit.Burst}).";
            if (!Enum.IsDefined(limit.Policy)) yield return $"{where}:Policy must be Reject, SlowDown or Disconnect (got {limit.Policy}).";
            if (limit.DisconnectAfter <= 0) yield return $"{where}:DisconnectAfter must be 1 or more (got {limit.DisconnectAfter}).";
        }
    }
}
