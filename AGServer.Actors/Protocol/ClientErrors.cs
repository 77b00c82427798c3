using AGServer.Middleware;

namespace AGServer.Protocol;

/// <summary>What a client is told when application code fails while handling its request.</summary>
internal static class ClientErrors
{
    /// <summary>
    /// An <see cref="INamedError"/> (an <see cref="AGError"/>, a <see cref="TimeoutError"/>) goes out with its own name and message. Any other exception becomes a generic
    /// ServerError: its type and message can carry internals, so they go out only when <paramref name="expose"/> is set
    /// (<see cref="Server.AGServerOptions.ExposeExceptionMessages"/>).
    /// </summary>
    public static Exception Safe(Exception error, bool expose) => error switch
    {
        INamedError => error,
        _ when expose => new AGError(AGErrorNames.ServerError, $"{error.GetType().Name}: {error.Message}"),
        _ => new AGError(AGErrorNames.ServerError, "The server failed while handling this request"),
    };

    /// <summary>The answer to a request whose procedure's consumers all died by failing: no one is left to serve it.</summary>
    public static AGError Unserved(string procedure) => new(AGErrorNames.ServerError, $"Procedure {procedure} is not being served");

    /// <summary>The block error of an action whose middleware handler threw.</summary>
    public static AGError MiddlewareThrew(ActionType actionType) =>
        new(AGErrorNames.MiddlewareFailedError, $"The middleware failed while deciding on this {actionType.ToSocketClusterName()} action; the action was blocked");

    /// <summary>An action over one of the socket's rate limits (<c>limit</c>: the limit's name, e.g. <c>invoke:*</c>).</summary>
    public static AGError RateLimited(string limit, Server.RateLimit rule) =>
        new(AGErrorNames.RateLimitedError, $"Rate limit {limit} exceeded ({rule.PerSecond} per second); try again later",
            new Dictionary<string, object?> { ["limit"] = limit });

    /// <summary>An invoke of a procedure nothing on this node serves (no handler, no stream, none set up per socket).</summary>
    public static AGError UnknownProcedure(string procedure) => new(AGErrorNames.UnknownProcedureError, $"No procedure '{procedure}' is served here");

    /// <summary>A request or action refused because its stream's consumer has <c>StreamBufferLimit</c> items waiting.</summary>
    public static AGError BufferOverflow(string stream) => new(AGErrorNames.BufferOverflowError, $"The server's {stream} stream is full; try again later");

    /// <summary>The block error of a middleware that could not decide (its consumer failed, ended or timed out).</summary>
    public static AGError MiddlewareFailed(MiddlewareType middlewareType, string why) =>
        new(AGErrorNames.MiddlewareFailedError, $"The {middlewareType.ToSocketClusterName()} middleware could not decide ({why}); the action was blocked");
}
