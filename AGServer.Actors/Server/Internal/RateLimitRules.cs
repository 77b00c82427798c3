using System.Threading.RateLimiting;

namespace AGServer.Server.Internal;

/// <summary>
/// One configured limit at work. Each socket (or user budget) has its own token bucket, made by <see cref="NewBucket"/>
/// and kept by its owner: buckets refill from the time elapsed when they are taken from, so no timer runs for them
/// (an idle node wakes for nothing).
/// </summary>
internal sealed class RateLimitRule
{
    public RateLimitRule(string name, RateLimit limit)
    {
        Name = name;
        Limit = limit;
        Period = Bucket(limit).ReplenishmentPeriod;
    }

    /// <summary>A full bucket for one socket or user.</summary>
    public TokenBucketRateLimiter NewBucket() => new(Bucket(Limit));

    /// <summary>
    /// A token bucket for <paramref name="limit"/>, refilled by the time elapsed whenever it is taken from
    /// (<see cref="Take"/>: no timer), at the limit's rate up to its burst.
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
            AutoReplenishment = false,
        };
    }

    /// <summary>The limit as configured, named <c>kind:pattern</c> (e.g. <c>invoke:*</c>).</summary>
    public string Name { get; }

    public RateLimit Limit { get; }

    /// <summary>How long until the next token at the latest.</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// Takes <paramref name="permits"/> tokens from <paramref name="bucket"/> (one of <see cref="NewBucket"/>'s); false
    /// when it has not that many. More than the bucket holds takes a full bucket (a publish to a channel wider than the
    /// burst waits for one).
    /// </summary>
    public bool TryAcquire(TokenBucketRateLimiter bucket, int permits = 1)
    {
        Take(bucket);
        using var lease = bucket.AttemptAcquire(Math.Clamp(permits, 1, TokenLimit));
        return lease.IsAcquired;
    }

    /// <summary>Refills <paramref name="bucket"/> by the time elapsed since it was last refilled, before it is taken from.</summary>
    public static void Take(TokenBucketRateLimiter bucket) => bucket.TryReplenish();

    /// <summary>The bucket's size: the burst, or one second's worth.</summary>
    public int TokenLimit => Limit.Burst > 0 ? Limit.Burst : Limit.PerSecond;

    /// <summary>How long until <paramref name="permits"/> tokens are back at the limit's rate (at least one period).</summary>
    public TimeSpan WaitFor(int permits) =>
        TimeSpan.FromMilliseconds(Math.Max(Period.TotalMilliseconds, 1000.0 * Math.Min(permits, TokenLimit) / Limit.PerSecond));
}

/// <summary>The node's rate limits, resolved by action kind and name: the longest matching pattern wins.</summary>
internal sealed class RateLimitRules
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
}
