using System.Text.Json;
using System.Text.Json.Nodes;
using AGServer.Protocol;

namespace AGServer.Auth;

/// <summary>
/// Verifies and signs auth tokens (ag-auth). Replaceable through <c>AGServerOptions.AuthEngine</c> or
/// <c>SocketClusterServer.SetAuthEngine</c>. The algorithms and keys are fixed when the engine is made: a token never chooses them.
/// Implementations must be thread-safe.
/// </summary>
public interface IAuthEngine
{
    /// <summary>
    /// Returns the token's payload, or throws an <see cref="AGError"/> named as <see cref="AGErrorNames"/> names token
    /// errors: <c>AuthTokenExpiredError</c>, <c>AuthTokenInvalidError</c>, <c>AuthTokenNotBeforeError</c> (not a bad
    /// token: the client keeps it) or <c>AuthTokenError</c>. Any other exception counts as <c>AuthTokenError</c>.
    /// </summary>
    ValueTask<JsonElement> VerifyTokenAsync(string? signedToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Signs <paramref name="payload"/>, adding <c>iat</c> and, when <paramref name="expiresIn"/> (seconds) is set,
    /// <c>exp</c>; it is null when the payload carries its own <c>exp</c>.
    /// </summary>
    ValueTask<string> SignTokenAsync(JsonObject payload, int? expiresIn, CancellationToken cancellationToken = default);
}
