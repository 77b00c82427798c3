using AGServer.Server.Internal;
using AGServer.Diagnostics;
using Akka.Actor;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Rate limits: each invoke, transmit, subscribe and publish of the socket takes a token of its limit, if one applies;
/// a publish also takes one token of its fan-out limit per local subscriber of its channel. A per-user limit takes the
/// tokens from the user's cluster-wide budget (leased to this node), a per-socket one from the socket's own bucket.
/// </summary>
internal sealed partial class SocketActor
{
    private const string SlowDownTimerKey = "rate-limit-slow-down";

    /// <summary>The socket's own token bucket per limit, made on its first use.</summary>
    private Dictionary<RateLimitRule, System.Threading.RateLimiting.TokenBucketRateLimiter>? _buckets;

    private System.Threading.RateLimiting.TokenBucketRateLimiter BucketOf(RateLimitRule rule)
    {
        _buckets ??= new Dictionary<RateLimitRule, System.Threading.RateLimiting.TokenBucketRateLimiter>(ReferenceEqualityComparer.Instance);
        if (!_buckets.TryGetValue(rule, out var bucket)) _buckets[rule] = bucket = rule.NewBucket();
        return bucket;
    }

    private void DisposeBuckets()
    {
        if (_buckets is null) return;
        foreach (var bucket in _buckets.Values) bucket.Dispose();
        _buckets = null;
    }

    /// <summary>Actions refused in a row (any limit); an admitted one ends the run.</summary>
    private int _overLimit;

    /// <summary>Set by <see cref="Admit"/> when it slowed the socket down: the caller hands <see cref="Defer"/> the action to run again.</summary>
    private TimeSpan? _slowedFor;

    /// <summary>Set by <see cref="Admit"/> when the user's budget is being asked for tokens: <see cref="Defer"/> waits for it.</summary>
    private Task? _leasing;

    /// <summary>
    /// True when the action may go on. Otherwise the limit's policy was applied: the action was answered with a
    /// <c>RateLimitedError</c> or dropped, the socket disconnected, or (slow down, or a lease being asked for) the socket
    /// stops processing until the action, given to <see cref="Defer"/>, runs again.
    /// </summary>
    private bool Admit(string kind, string name, long? cid, int permits = 1)
    {
        if (_server.RateLimits.For(kind, name) is not { } rule) return true;
        if (rule.Limit.PerUser && _socket.UserId is { } user && _server.UserBudgets is { } budgets)
        {
            switch (budgets.Take(rule, user, permits, out var leasing))
            {
                case UserBudgets.Outcome.Taken:
                    _overLimit = 0;
                    return true;
                case UserBudgets.Outcome.Asking:
                    _leasing = leasing;
                    return false;
            }
        }
        else if (rule.TryAcquire(BucketOf(rule), permits))
        {
            _overLimit = 0;
            return true;
        }
        if (++_overLimit == 1) ServerLog.RateLimited(_server.Logger, _socket.Id, rule.Name, _server.RateLimits.DryRun);
        if (_server.RateLimits.DryRun)
        {
            _server.Metrics.RateLimited(rule.Name, "logged");
            return true;
        }
        switch (rule.Limit.Policy)
        {
            case RateLimitPolicy.SlowDown:
                _server.Metrics.RateLimited(rule.Name, "slowed");
                _slowedFor = rule.WaitFor(permits);
                return false;
            case RateLimitPolicy.Disconnect when _overLimit >= rule.Limit.DisconnectAfter:
                _server.Metrics.RateLimited(rule.Name, "disconnected");
                Disconnect(CloseCodes.PolicyViolation, $"Rate limit {rule.Name} exceeded");
                return false;
            default:
                _server.Metrics.RateLimited(rule.Name, cid is null ? "dropped" : "rejected");
                if (cid is { } id) _socket.SendPacket(OutboundPacket.ErrorResponse(id, ClientErrors.RateLimited(rule.Name, rule.Limit)));
                return false;
        }
    }

    /// <summary>
    /// After a refused <see cref="Admit"/>: when it slowed the socket down, or is waiting for a lease of the user's budget,
    /// runs <paramref name="again"/> later, processing nothing meanwhile.
    /// </summary>
    private void Defer(Action again)
    {
        if (_leasing is { } leasing)
        {
            _leasing = null;
            Suspend();
            var self = Self;
            leasing.ContinueWith(_ => self.Tell(new Continue(() => UnlessClosed(again))), TaskScheduler.Default);
            return;
        }
        if (_slowedFor is not { } wait) return;
        _slowedFor = null;
        Suspend();
        Timers.StartSingleTimer(SlowDownTimerKey, new Continue(again), wait);
    }

    /// <summary>A deferred action of a socket that closed meanwhile is dropped with the rest of its packets.</summary>
    private void UnlessClosed(Action again)
    {
        if (_socket.State != SocketState.Closed) again();
    }
}
