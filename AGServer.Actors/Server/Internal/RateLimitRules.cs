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

    /// <summary>Takes a token from <paramref name="socketId"/>'s bucket; false when it is empty.</summary>
    public bool TryAcquire(string socketId)
    {
        using var lease = _buckets.AttemptAcquire(socketId);
        return lease.IsAcquired;
    }

    public void Dispose() => _buckets.Dispose();
}

/// <summary>The node's rate limits, resolved by action kind and name: the longest matching pattern wins.</summary>
internal sealed class RateLimitRules : IDisposable
{
    private readonly Dictionary<string, (string Pattern, bool Prefix, RateLimitRule Rule)[]> _byKind = new();

    public RateLimitRules(RateLimits limits)
    {
        DryRun = limits.DryRun;
        foreach (var (kind, patterns) in limits.ByKind())
        {
            if (patterns.Count == 0) continue;
            _byKind[kind] = patterns
                .Select(p => (Pattern: p.Key.EndsWith('*') ? p.Key[..^1] : p.Key, Prefix: p.Key.EndsWith('*'), Rule: new RateLimitRule($"{kind}:{p.Key}", p.Value)))
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
        foreach (var (_, _, rule) in rules) rule.Dispose();
    }
}
