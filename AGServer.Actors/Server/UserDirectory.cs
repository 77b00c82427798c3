using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using AGServer.Sockets;
using AGServer.Sockets.Internal;

namespace AGServer.Server;

/// <summary>
/// Sockets by user, cluster-wide (<c>server.Users</c>): the user of a socket is the <see cref="AGServerOptions.UserIdClaim"/>
/// of its auth token. Each node knows its own sockets' users (kept current as sockets authenticate, change token,
/// deauthenticate and close); a command for a user goes to every node, which hands it to that user's sockets there.
/// A node that crashed has no sockets left to reach, so nothing is kept for it. Revoking a user's tokens and blocking
/// a user are here too, replicated to every node (Akka.DistributedData) and enforced at the handshake, on
/// <c>#authenticate</c> and on live sockets.
/// </summary>
public sealed class UserDirectory
{
    private readonly SocketClusterServer _server;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, AGServerSocket>> _local = new();

    internal UserDirectory(SocketClusterServer server) => _server = server;

    /// <summary>
    /// Tells every socket of <paramref name="userId"/>, on every node, <paramref name="command"/> (replies go to
    /// <paramref name="sender"/>, one per socket). Costs one message per other node.
    /// </summary>
    public void Tell(string userId, SocketCommand command, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(command);
        Route(userId, command, sender);
    }

    internal void Route(string userId, ISocketCommand command, IActorRef? sender = null)
    {
        DeliverLocal(userId, command, sender);
        var cluster = Cluster.Get(_server.System);
        foreach (var member in cluster.State.Members)
            if (member.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving && !member.UniqueAddress.Equals(cluster.SelfUniqueAddress))
                _server.System.ActorSelection(SocketClusterServer.ServerActorPath(member.Address)).Tell(new RouteToUser(userId, command), sender);
    }

    /// <summary>
    /// Refuses every token of <paramref name="userId"/> issued up to <paramref name="issuedBefore"/> (default: now), on
    /// every node, and deauthenticates the user's live sockets. A token's <c>iat</c> counts whole seconds, so the time
    /// is rounded up to the second: a token signed in the same second is refused too (fail closed). Completes once a
    /// majority of the nodes hold it; lasts while the tokens it refuses could still be valid, across restarts.
    /// </summary>
    public Task RevokeTokensAsync(string userId, DateTimeOffset? issuedBefore = null, CancellationToken cancellationToken = default) =>
        _server.Revocations.RevokeUserTokensAsync(userId, issuedBefore, cancellationToken);

    /// <summary>Refuses the token whose <c>jti</c> is <paramref name="tokenId"/>, on every node, and deauthenticates the live sockets that hold it.</summary>
    public Task RevokeTokenAsync(string tokenId, CancellationToken cancellationToken = default) =>
        _server.Revocations.RevokeTokenAsync(tokenId, cancellationToken);

    /// <summary>
    /// Blocks <paramref name="userId"/> until <paramref name="until"/> (default: as long as a token lasts), on every
    /// node: their tokens are refused (<c>AuthTokenRevokedError</c>) and their live sockets disconnected with 4103.
    /// </summary>
    public Task BlockAsync(string userId, DateTimeOffset? until = null, CancellationToken cancellationToken = default) =>
        _server.Revocations.BlockUserAsync(userId, until, cancellationToken);

    /// <summary>Ends a block of <paramref name="userId"/>.</summary>
    public Task UnblockAsync(string userId, CancellationToken cancellationToken = default) =>
        _server.Revocations.UnblockUserAsync(userId, cancellationToken);

    /// <summary>Whether <paramref name="userId"/> is blocked now (this node's view of the replicated blocks).</summary>
    public bool IsBlocked(string userId) => _server.Revocations.IsBlocked(userId);

    /// <summary>This node's sockets of <paramref name="userId"/>.</summary>
    public IReadOnlyCollection<AGServerSocket> Local(string userId) =>
        _local.TryGetValue(userId, out var sockets) ? sockets.Values.ToArray() : [];

    internal void DeliverLocal(string userId, ISocketCommand command, IActorRef? sender)
    {
        if (!_local.TryGetValue(userId, out var sockets)) return;
        foreach (var socket in sockets.Values) socket.ActorRef.Tell(command, sender);
    }

    /// <summary>The user of a token: its <see cref="AGServerOptions.UserIdClaim"/>, a string or a number; null without one.</summary>
    internal string? UserOf(JsonElement? token) =>
        token is { ValueKind: JsonValueKind.Object } payload && payload.TryGetProperty(_server.Options.UserIdClaim, out var claim)
            ? claim.ValueKind switch
            {
                JsonValueKind.String => claim.GetString(),
                JsonValueKind.Number => claim.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>The latest session start this node made or heard of (unix µs).</summary>
    private long _latestSessionStart;

    /// <summary>
    /// A new session's start: the clock, but always after every session this node made or heard of, so a session
    /// started after another is known counts as newer even when the nodes' clocks disagree or the clock stepped back.
    /// </summary>
    private long NextSessionStart()
    {
        while (true)
        {
            var latest = Interlocked.Read(ref _latestSessionStart);
            // Microseconds: a session started after another's login was answered (a round trip) is later, never a tie.
            var next = Math.Max((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10, latest + 1);
            if (Interlocked.CompareExchange(ref _latestSessionStart, next, latest) == latest) return next;
        }
    }

    /// <summary>A session start heard from another socket (possibly on another node).</summary>
    internal void HeardSessionStart(long since)
    {
        var latest = Interlocked.Read(ref _latestSessionStart);
        while (since > latest)
        {
            var seen = Interlocked.CompareExchange(ref _latestSessionStart, since, latest);
            if (seen == latest) return;
            latest = seen;
        }
    }

    /// <summary>A socket's user changed (authenticated, new token, deauthenticated, closed: <paramref name="to"/> null).</summary>
    internal void Move(AGServerSocket socket, string? from, string? to)
    {
        if (from == to) return;
        // The end is told before the socket leaves this node's directory: whoever sees it gone (and starts another
        // session of the user) tells its start after the end, on the same path to every node, so no socket counts the
        // ended session beside the new one.
        var limited = _server.Options.MaxSocketsPerUser > 0;
        if (limited && from is not null) Route(from, new Sockets.Internal.SessionEnded(socket.Id));
        lock (_local) // rare (auth changes), and an emptied user's entry must not swallow a socket being added
        {
            if (from is not null && _local.TryGetValue(from, out var old) && old.TryRemove(socket.Id, out _) && old.IsEmpty)
            {
                _local.TryRemove(from, out _);
                _server.UserBudgets?.Forget(from);
            }
            if (to is not null) _local.GetOrAdd(to, _ => new ConcurrentDictionary<string, AGServerSocket>())[socket.Id] = socket;
        }
        // Sockets per user, cluster-wide: every socket of the user, on every node, counts the sessions newer than its
        // own and closes once it has the limit's worth (see SocketActor.Sessions).
        if (!limited || to is null) return;
        socket.UserSince = NextSessionStart();
        Route(to, new Sockets.Internal.SessionStarted(socket.Id, socket.UserSince), socket.ActorRef);
    }
}
