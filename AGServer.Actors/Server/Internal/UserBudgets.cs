using AGServer.Diagnostics;
using System.Collections.Concurrent;
using Akka.Actor;
using AGServer.Sockets.Internal;
using Microsoft.Extensions.Logging;

namespace AGServer.Server.Internal;

/// <summary>
/// This node's side of per-user rate limits (<see cref="RateLimit.PerUser"/>): tokens leased from each user's
/// <see cref="UserBudgetEntity"/> and spent here by that user's sockets. A lease is good for one second (tokens a node
/// did not spend by then are not kept, so no node saves up a user's budget). While a lease is asked for, the socket
/// waits for it; an entity that does not answer (it is moving after a crash) counts as a refusal for one period: the
/// limit fails closed, never open.
/// </summary>
internal sealed class UserBudgets(IActorRef region, ILogger logger)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);
    private const long LeaseLifeMs = 1000;

    // By user, then limit: a user whose last socket here closed is forgotten at once.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Lease>> _leases = new();

    private sealed class Lease
    {
        public int Tokens;
        public long ExpiresAt;
        public long RefusedUntil;
        public Task? Asking;
    }

    public enum Outcome { Taken, Refused, Asking }

    /// <summary>
    /// Takes <paramref name="permits"/> tokens of <paramref name="rule"/> for <paramref name="userId"/>: from this node's
    /// lease, or refused (the user's budget is spent for now), or <see cref="Outcome.Asking"/> with the task that
    /// completes once the user's entity answered (take again then).
    /// </summary>
    public Outcome Take(RateLimitRule rule, string userId, int permits, out Task? asking)
    {
        asking = null;
        permits = Math.Clamp(permits, 1, rule.TokenLimit);
        var lease = _leases.GetOrAdd(userId, _ => new ConcurrentDictionary<string, Lease>()).GetOrAdd(rule.Name, _ => new Lease());
        var now = Environment.TickCount64;
        lock (lease)
        {
            if (now > lease.ExpiresAt) lease.Tokens = 0;
            if (lease.Tokens >= permits)
            {
                lease.Tokens -= permits;
                return Outcome.Taken;
            }
            if (lease.Asking is { } pending)
            {
                asking = pending;
                return Outcome.Asking;
            }
            if (now < lease.RefusedUntil) return Outcome.Refused;
            var wanted = Math.Max(permits, (int)Math.Ceiling(rule.Limit.PerSecond / 10.0));
            var request = new LeaseRequest(userId, rule.Name, rule.Limit.PerSecond, rule.Limit.Burst, permits, wanted);
            asking = lease.Asking = region.Ask<LeaseGranted>(request, AskTimeout).ContinueWith(answer => Granted(lease, rule, answer), TaskScheduler.Default);
            return Outcome.Asking;
        }
    }

    private void Granted(Lease lease, RateLimitRule rule, Task<LeaseGranted> answer)
    {
        var granted = answer.IsCompletedSuccessfully ? answer.Result.Granted : 0;
        if (!answer.IsCompletedSuccessfully) ServerLog.UserBudgetUnanswered(logger, rule.Name, answer.Exception?.GetBaseException().Message ?? "cancelled");
        var now = Environment.TickCount64;
        lock (lease)
        {
            lease.Asking = null;
            lease.Tokens += granted;
            lease.ExpiresAt = now + LeaseLifeMs;
            if (granted == 0) lease.RefusedUntil = now + (long)rule.Period.TotalMilliseconds;
        }
    }

    /// <summary>Drops the leases of a user with no socket left on this node.</summary>
    public void Forget(string userId) => _leases.TryRemove(userId, out _);
}
