using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using AGServer.Sockets;

namespace AGServer.Auth;

/// <summary>
/// Token revocation and user blocking, cluster-wide: a revocation made on any node is replicated to every node
/// (Akka.DistributedData, written to a majority before the call completes), where it is enforced at once: tokens it
/// covers are refused at the handshake and on <c>#authenticate</c> (<see cref="AuthTokenRevokedError"/>), and the live
/// sockets it covers on every node are deauthenticated (a revocation) or disconnected with 4103 (a block). Entries last
/// while the tokens they refuse could still be valid (<see cref="Server.AGServerOptions.AuthDefaultExpiry"/> after they
/// were made, or the block's end), and survive the restart of any node while another holds them, and a restart of
/// every node at once when the nodes have a data directory (<see cref="Hosting.NodeOptions.DataDirectory"/>).
/// Public through <see cref="Server.UserDirectory"/> (<c>server.Users</c>).
/// </summary>
internal sealed class Revocations
{
    private static readonly LWWDictionaryKey<string, long> UsersKey = new("agserver-revoked-users");
    private static readonly LWWDictionaryKey<string, long> TokensKey = new("agserver-revoked-tokens");
    private static readonly LWWDictionaryKey<string, long> BlockedKey = new("agserver-blocked-users");

    /// <summary>The replicated keys, kept in LMDB as well when the node has a data directory (<c>--data-dir</c>).</summary>
    internal static readonly string[] DurableKeys = [UsersKey.Id, TokensKey.Id, BlockedKey.Id];

    private readonly SocketClusterServer _server;
    private readonly IActorRef _replicator;
    private readonly TimeSpan _timeout;
    // The local view, read on every handshake and #authenticate (no lock, no message): unix seconds per entry.
    private volatile IReadOnlyDictionary<string, long> _usersRevokedBefore = new Dictionary<string, long>();
    private volatile IReadOnlyDictionary<string, long> _tokensUntil = new Dictionary<string, long>();
    private volatile IReadOnlyDictionary<string, long> _blockedUntil = new Dictionary<string, long>();

    internal Revocations(SocketClusterServer server)
    {
        _server = server;
        _timeout = TimeSpan.FromMilliseconds(server.Options.AckTimeout);
        _replicator = DistributedData.Get(server.System).Replicator;
        var watcher = server.System.ActorOf(Props.Create(() => new Watcher(this)));
        foreach (var key in new[] { UsersKey, TokensKey, BlockedKey }) _replicator.Tell(Dsl.Subscribe(key, watcher));
    }

    /// <summary>
    /// Refuses every token of <paramref name="userId"/> issued up to <paramref name="issuedBefore"/> (default: now), and
    /// deauthenticates the user's live sockets. A token's <c>iat</c> counts whole seconds, so the time is rounded up to
    /// the second: a token signed in the same second is refused too (fail closed), and a new one from the next second on
    /// is good.
    /// </summary>
    public Task RevokeUserTokensAsync(string userId, DateTimeOffset? issuedBefore = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var before = (issuedBefore ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        return SetAsync(UsersKey, userId, (before + 999) / 1000, cancellationToken);
    }

    /// <summary>Refuses the token whose <c>jti</c> is <paramref name="tokenId"/>, and deauthenticates the live sockets that hold it.</summary>
    public Task RevokeTokenAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenId);
        return SetAsync(TokensKey, tokenId, ExpiryOfRevocation(), cancellationToken);
    }

    /// <summary>Blocks <paramref name="userId"/> until <paramref name="until"/> (default: as long as a token lasts): their tokens are refused and their live sockets disconnected with 4103.</summary>
    public Task BlockUserAsync(string userId, DateTimeOffset? until = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return SetAsync(BlockedKey, userId, until?.ToUnixTimeSeconds() ?? ExpiryOfRevocation(), cancellationToken);
    }

    /// <summary>Ends a block of <paramref name="userId"/>.</summary>
    public async Task UnblockUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        await UpdateAsync(BlockedKey, (map, cluster) => map.Remove(cluster, userId), cancellationToken);
    }

    /// <summary>Whether <paramref name="userId"/> is blocked now (this node's view).</summary>
    public bool IsBlocked(string userId) => _blockedUntil.TryGetValue(userId, out var until) && until > Now;

    /// <summary>The refusal of a verified token's <paramref name="payload"/>, or null when nothing revokes it.</summary>
    internal AuthTokenRevokedError? Refusal(JsonElement payload)
    {
        if (_usersRevokedBefore.Count == 0 && _tokensUntil.Count == 0 && _blockedUntil.Count == 0) return null;
        if (payload.ValueKind != JsonValueKind.Object) return null;
        if (_tokensUntil.Count > 0 && Text(payload, "jti") is { } jti && _tokensUntil.ContainsKey(jti))
            return new AuthTokenRevokedError("This token was revoked");
        if (Text(payload, _server.Options.UserIdClaim) is not { } user) return null;
        if (IsBlocked(user)) return new AuthTokenRevokedError("This user is blocked");
        if (_usersRevokedBefore.TryGetValue(user, out var before) && IssuedAt(payload) is var issued && (issued is null || issued < before))
            return new AuthTokenRevokedError("This user's tokens were revoked");
        return null;
    }

    private static string? Text(JsonElement payload, string claim) =>
        payload.TryGetProperty(claim, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static long? IssuedAt(JsonElement payload) =>
        payload.TryGetProperty("iat", out var iat) && iat.TryGetInt64(out var seconds) ? seconds : null;

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Until when an entry must last: as long as any token made now could be valid.</summary>
    private long ExpiryOfRevocation() => Now + _server.Options.AuthDefaultExpiry;

    private WriteMajority WriteMajority() => new(_timeout);

    private Task SetAsync(LWWDictionaryKey<string, long> key, string entry, long value, CancellationToken cancellationToken) =>
        UpdateAsync(key, (map, cluster) => map.SetItem(cluster, entry, value), cancellationToken);

    /// <summary>
    /// Updates one map on a majority of the nodes, and this node's view at once (the replicator tells its subscribers
    /// on a tick, so a caller that acts next on this node must not find the old view).
    /// </summary>
    private async Task UpdateAsync(LWWDictionaryKey<string, long> key, Func<LWWDictionary<string, long>, Cluster, LWWDictionary<string, long>> change,
        CancellationToken cancellationToken)
    {
        var cluster = Cluster.Get(_server.System);
        LWWDictionary<string, long>? updated = null;
        var response = await _replicator.Ask<IUpdateResponse>(Dsl.Update(key, LWWDictionary<string, long>.Empty, WriteMajority(),
            map => updated = change(map, cluster)), _timeout, cancellationToken);
        if (updated is not null) OnChanged(key.Id, updated.Entries.ToDictionary(e => e.Key, e => e.Value));
        ThrowIfFailed(response);
    }

    private static void ThrowIfFailed(IUpdateResponse response)
    {
        if (!response.IsSuccessful)
            throw new Protocol.BrokerError($"The revocation was not confirmed by a majority of the cluster ({response.GetType().Name}); it is in force on this node and spreads as the others are reached");
    }

    /// <summary>A new view of one of the three maps: kept, then enforced on this node's live sockets.</summary>
    private void OnChanged(string key, IReadOnlyDictionary<string, long> entries)
    {
        var now = Now;
        switch (key)
        {
            case "agserver-revoked-users":
                _usersRevokedBefore = entries;
                break;
            case "agserver-revoked-tokens":
                _tokensUntil = entries.Where(e => e.Value > now).ToDictionary();
                break;
            default:
                _blockedUntil = entries;
                break;
        }
        foreach (var socket in _server.Clients.Values)
        {
            if (socket.AuthToken is not { } token || Refusal(token) is not { } refused) continue;
            if (refused.Message == "This user is blocked") socket.ActorRef.Tell(SocketCommand.Disconnect(Protocol.CloseCodes.UserBlocked, "Blocked"));
            else socket.ActorRef.Tell(SocketCommand.RemoveAuthToken);
        }
    }

    /// <summary>Receives the replicator's changes of the three maps.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(Revocations revocations) => Receive<Changed>(changed =>
        {
            var map = (LWWDictionary<string, long>)changed.Data;
            revocations.OnChanged(changed.Key.Id, map.Entries.ToDictionary(e => e.Key, e => e.Value));
        });
    }
}
