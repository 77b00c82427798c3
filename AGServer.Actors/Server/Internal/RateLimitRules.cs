using System.Threading.RateLimiting;

namespace AGServer.Server.Internal;

/// <summary>One configured limit at work: its token buckets, one per socket, in one partitioned limiter (one timer).</summary>
internal sealed class RateLimitRule : IDisposable
{
    private readonly PartitionedRateLimiter<string> _buckets;

    public RateLimitRule(string name, RateLimit limit)
    {
        Name = name;
        Limit = limit;
        var bucket = Bucket(limit);
        _buckets = PartitionedRateLimiter.Create<string, string>(socketId => RateLimitPartition.GetTokenBucketLimiter(socketId, _ => bucket));
        Period = bucket.ReplenishmentPeriod;
    }

    /// <summary>
    /// A token bucket for <paramref name="limit"/>, refilled ten times a second when the rate allows (so a burst's
    /// tokens come back smoothly rather than in one lump), else one token at a time.
    /// </summary>
    public static TokenBucketRateLimiterOptions Bucket(RateLimit limit)
    {
        var (tokens, period) = limit.PerSecond >= 10
            ? ((int)Math.Ceiling(limit.PerSecond / 10.0), TimeSpan.FromMilliseconds(100))
            : (1, TimeSpan.FromSeconds(1.0 / limit.PerSecond));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst > 0 ? limit.Burst : limit.PerSecond,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>The limit as configured, named <c>kind:pattern</c> (e.g. <c>invoke:*</c>).</summary>
    public string Name { get; }

    public RateLimit Limit { get; }

    /// <summary>How long until the next token at the latest.</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// Takes <paramref name="permits"/> tokens from <paramref name="socketId"/>'s bucket; false when it has not that many.
    /// More than the bucket holds takes a full bucket (a publish to a channel wider than the burst waits for one).
    /// </summary>
    public bool TryAcquire(string socketId, int permits = 1)
    {
        using var lease = _buckets.AttemptAcquire(socketId, Math.Clamp(permits, 1, TokenLimit));
        return lease.IsAcquired;
    }

    /// <summary>The bucket's size: the burst, or one second's worth.</summary>
    public int TokenLimit => Limit.Burst > 0 ? Limit.Burst : Limit.PerSecond;

    /// <summary>How long until <paramref name="permits"/> tokens are back at the limit's rate (at least one period).</summary>
    public TimeSpan WaitFor(int permits) =>
        TimeSpan.FromMilliseconds(Math.Max(Period.TotalMilliseconds, 1000.0 * Math.Min(permits, TokenLimit) / Limit.PerSecond));

    public void Dispose() => _buckets.Dispose();
}

/// <summary>The node's rate limits, resolved by action kind and name: the longest matching pattern wins.</summary>
internal sealed class RateLimitRules : IDisposable
{
    // A pattern with no rule (PerSecond 0) lifts the limit for its names: a wider pattern's limit does not apply to them.
    private readonly Dictionary<string, (string Pattern, bool Prefix, RateLimitRule? Rule)[]> _byKind = new();

    public RateLimitRules(RateLimits limits)
    {
        DryRun = limits.DryRun;
        foreach (var (kind, patterns) in limits.ByKind())
        {
            if (patterns.Count == 0) continue;
            _byKind[kind] = patterns
                .Select(p => (Pattern: p.Key.EndsWith('*') ? p.Key[..^1] : p.Key, Prefix: p.Key.EndsWith('*'),
                    Rule: p.Value.PerSecond > 0 ? new RateLimitRule($"{kind}:{p.Key}", p.Value) : null))
                .OrderByDescending(p => p.Pattern.Length)
                .ThenBy(p => p.Prefix) // an exact pattern before a prefix of the same length
                .ToArray();
        }
    }

    public bool DryRun { get; }

    /// <summary>The limit for an action of <paramref name="kind"/> on <paramref name="name"/>, or null when none applies.</summary>
    public RateLimitRule? For(string kind, string name)
    {
        if (_byKind.Count == 0 || !_byKind.TryGetValue(kind, out var rules)) return null;
        foreach (var (pattern, prefix, rule) in rules)
            if (prefix ? name.StartsWith(pattern, StringComparison.Ordinal) : name == pattern)
                return rule;
        return null;
    }

    public void Dispose()
    {
        foreach (var rules in _byKind.Values)
        foreach (var (_, _, rule) in rules) rule?.Dispose();
    }
}
