namespace AGServer.Protocol;

/// <summary>
/// The names an <see cref="AGError"/> carries on the wire (<c>error.name</c>), as socketcluster-server and the sc-errors
/// package spell them, plus AGServer's own. Every error the server raises or a client sends is an <see cref="AGError"/>
/// (a timeout is a <see cref="TimeoutException"/>); tell them apart by <see cref="AGError.Name"/>.
/// </summary>
public static class AGErrorNames
{
    /// <summary>A token's <c>exp</c> has passed; property <c>expiry</c>: when (ISO 8601). A bad token.</summary>
    public const string AuthTokenExpiredError = nameof(AuthTokenExpiredError);

    /// <summary>Bad signature, wrong algorithm, tampered or not a JWT. A bad token.</summary>
    public const string AuthTokenInvalidError = nameof(AuthTokenInvalidError);

    /// <summary>A good token that is not valid yet (<c>nbf</c>); property <c>date</c>. Not a bad token: the client keeps it.</summary>
    public const string AuthTokenNotBeforeError = nameof(AuthTokenNotBeforeError);

    /// <summary>Any other failure to verify a token. A bad token.</summary>
    public const string AuthTokenError = nameof(AuthTokenError);

    /// <summary>The token was revoked or its user is blocked. A bad token.</summary>
    public const string AuthTokenRevokedError = nameof(AuthTokenRevokedError);

    /// <summary>An auth operation failed (for example a token that could not be signed).</summary>
    public const string AuthError = nameof(AuthError);

    /// <summary>An invoke lost its socket before its answer; property <c>type</c>: <c>connectAbort</c> or <c>disconnect</c>.</summary>
    public const string BadConnectionError = nameof(BadConnectionError);

    /// <summary>The broker could not publish, subscribe or deliver.</summary>
    public const string BrokerError = nameof(BrokerError);

    /// <summary>An action the server does not allow (for example publishing to a reserved channel).</summary>
    public const string InvalidActionError = nameof(InvalidActionError);

    /// <summary>An action with missing or malformed arguments (for example no channel name).</summary>
    public const string InvalidArgumentsError = nameof(InvalidArgumentsError);

    /// <summary>A frame that is not a valid message.</summary>
    public const string InvalidMessageError = nameof(InvalidMessageError);

    /// <summary>The server broke the protocol.</summary>
    public const string ServerProtocolError = nameof(ServerProtocolError);

    /// <summary>The client broke the protocol; property <c>code</c>: the close code.</summary>
    public const string SocketProtocolError = nameof(SocketProtocolError);

    /// <summary>What a client is told when middleware blocked its action with a silent error; property <c>type</c>: the middleware.</summary>
    public const string SilentMiddlewareBlockedError = nameof(SilentMiddlewareBlockedError);

    /// <summary>Application code failed while handling the request (its details go out only with <c>ExposeExceptionMessages</c>).</summary>
    public const string ServerError = nameof(ServerError);

    /// <summary>A middleware threw or could not decide; the action was blocked.</summary>
    public const string MiddlewareFailedError = nameof(MiddlewareFailedError);

    /// <summary>An action over one of the socket's rate limits; property <c>limit</c>: the limit's name.</summary>
    public const string RateLimitedError = nameof(RateLimitedError);

    /// <summary>An invoke of a procedure nothing on this node serves.</summary>
    public const string UnknownProcedureError = nameof(UnknownProcedureError);

    /// <summary>A stream's consumer has its buffer limit of items waiting; try again later.</summary>
    public const string BufferOverflowError = nameof(BufferOverflowError);

    /// <summary>A call that got no answer in time (thrown as a <see cref="TimeoutException"/>).</summary>
    public const string TimeoutError = nameof(TimeoutError);

    /// <summary>Whether an auth engine's error says the token itself is bad (the client is told to drop it): every token error but <see cref="AuthTokenNotBeforeError"/>.</summary>
    internal static bool IsBadToken(string name) =>
        name is AuthTokenExpiredError or AuthTokenInvalidError or AuthTokenError or AuthTokenRevokedError;

    /// <summary>Whether <paramref name="name"/> is one of the token errors an <see cref="Auth.IAuthEngine"/> throws.</summary>
    internal static bool IsTokenError(string name) => name is AuthTokenNotBeforeError || IsBadToken(name);
}
