using System.Threading.RateLimiting;
using Akka.Actor;
using Akka.Cluster.Sharding;
using AGServer.Sockets.Internal;

namespace AGServer.Server.Internal;

/// <summary>
/// One user's rate-limit budgets, cluster-wide: a sharded entity per user holding one token bucket per per-user limit
/// (<see cref="RateLimit.PerUser"/>). Nodes do not ask it per action: each takes tokens in leases (a tenth of a
/// second's worth, or what one action needs) and spends them locally (<see cref="UserBudgets"/>), so a user's sockets on
/// every node share one budget at the cost of one message per lease. It passivates when idle: a user that comes back
/// after a while starts with a full bucket, as a quiet user would have.
/// </summary>
internal sealed class UserBudgetEntity : ReceiveActor
{
    public const string TypeName = "agserver-user-budget";

    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, TokenBucketRateLimiter> _buckets = new();

    public UserBudgetEntity()
    {
        Receive<LeaseRequest>(request =>
        {
            if (!_buckets.TryGetValue(request.Limit, out var bucket))
            {
                bucket = new TokenBucketRateLimiter(RateLimitRule.Bucket(new RateLimit { PerSecond = request.PerSecond, Burst = request.Burst }));
                _buckets[request.Limit] = bucket;
            }
            RateLimitRule.Take(bucket);
            var available = (int)Math.Min(int.MaxValue, bucket.GetStatistics()?.CurrentAvailablePermits ?? 0);
            var granted = available >= request.Needed ? Math.Min(available, Math.Max(request.Wanted, request.Needed)) : 0;
            if (granted > 0) bucket.AttemptAcquire(granted).Dispose();
            Sender.Tell(new LeaseGranted(request.UserId, request.Limit, granted));
        });
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    protected override void PreStart() => Context.SetReceiveTimeout(IdleAfter);

    protected override void PostStop()
    {
        foreach (var bucket in _buckets.Values) bucket.Dispose();
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new UserBudgetEntity());
}

/// <summary>Routes lease requests to the entity named after the user.</summary>
internal sealed class UserBudgetExtractor(int numberOfShards) : HashCodeMessageExtractor(numberOfShards)
{
    public override string? EntityId(object message) => (message as LeaseRequest)?.UserId;
}
