using AGServer.Protocol;

namespace AGServer.Auth;

/// <summary>A token could not be used. <see cref="IsBadToken"/>: the token itself is bad (badAuthToken events are emitted).</summary>
public abstract class AuthTokenErrorBase(string name, string message) : AGError(name, message)
{
    public virtual bool IsBadToken => true;
}

/// <summary>The token's <c>exp</c> has passed; <see cref="Expiry"/> is when.</summary>
public sealed class AuthTokenExpiredError : AuthTokenErrorBase
{
    public AuthTokenExpiredError(string message, DateTimeOffset expiry) : base(nameof(AuthTokenExpiredError), message)
    {
        Expiry = expiry;
        Properties["expiry"] = expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
    }

    public DateTimeOffset Expiry { get; }
}

/// <summary>Bad signature, wrong algorithm, tampered or not a JWT.</summary>
public sealed class AuthTokenInvalidError(string message) : AuthTokenErrorBase(nameof(AuthTokenInvalidError), message);

/// <summary>The token is good but not valid yet (<c>nbf</c>); not a bad token.</summary>
public sealed class AuthTokenNotBeforeError : AuthTokenErrorBase
{
    public AuthTokenNotBeforeError(string message, DateTimeOffset date) : base(nameof(AuthTokenNotBeforeError), message)
    {
        Date = date;
        Properties["date"] = date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
    }

    public DateTimeOffset Date { get; }

    public override bool IsBadToken => false;
}

/// <summary>Any other failure to verify a token.</summary>
public sealed class AuthTokenError(string message) : AuthTokenErrorBase(nameof(AuthTokenError), message);

/// <summary>The token was revoked (its user's tokens, or this one by <c>jti</c>) or its user is blocked: a bad token, removed from the client.</summary>
public sealed class AuthTokenRevokedError(string message) : AuthTokenErrorBase(nameof(AuthTokenRevokedError), message);
