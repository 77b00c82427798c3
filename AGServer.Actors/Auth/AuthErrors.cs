using AGServer.Protocol;

namespace AGServer.Auth;

// The token errors the built-in engine and the socket raise. Public code sees them as AGErrors told apart by name
// (AGErrorNames); every one but AuthTokenNotBeforeError is a bad token (badAuthToken events, removed from the client).

/// <summary>The token's <c>exp</c> has passed; property <c>expiry</c> is when.</summary>
internal sealed class AuthTokenExpiredError : AGError
{
    public AuthTokenExpiredError(string message, DateTimeOffset expiry) : base(AGErrorNames.AuthTokenExpiredError, message)
    {
        Expiry = expiry;
        Properties["expiry"] = expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
    }

    public DateTimeOffset Expiry { get; }
}

/// <summary>Bad signature, wrong algorithm, tampered or not a JWT.</summary>
internal sealed class AuthTokenInvalidError(string message) : AGError(AGErrorNames.AuthTokenInvalidError, message);

/// <summary>The token is good but not valid yet (<c>nbf</c>); property <c>date</c>. Not a bad token.</summary>
internal sealed class AuthTokenNotBeforeError : AGError
{
    public AuthTokenNotBeforeError(string message, DateTimeOffset date) : base(AGErrorNames.AuthTokenNotBeforeError, message)
    {
        Date = date;
        Properties["date"] = date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
    }

    public DateTimeOffset Date { get; }
}

/// <summary>Any other failure to verify a token.</summary>
internal sealed class AuthTokenError(string message) : AGError(AGErrorNames.AuthTokenError, message);

/// <summary>The token was revoked (its user's tokens, or this one by <c>jti</c>) or its user is blocked: a bad token, removed from the client.</summary>
internal sealed class AuthTokenRevokedError(string message) : AGError(AGErrorNames.AuthTokenRevokedError, message);
