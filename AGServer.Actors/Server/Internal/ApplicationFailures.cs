using AGServer.Diagnostics;
using AGServer.Middleware;
using Akka.Streams.Supervision;
using AGServer.Protocol;
using AGServer.Streams;
using AGServer.Streams.Internal;
using Microsoft.Extensions.Logging;

namespace AGServer.Server.Internal;

/// <summary>
/// Contains failures of application code run on the server's streams. As the supervision decider of
/// <see cref="SocketClusterServer.Materializer"/> it resumes the failed stream (the procedure, receiver, listener or middleware
/// goes on serving every socket), settles the item that was being handled (a request gets an error answer, a
/// middleware action is blocked), logs, and emits the server's <c>error</c> event. For consumers run elsewhere (another
/// materializer) it settles what a dying consumer leaves behind.
/// </summary>
internal sealed class ApplicationFailures(SocketClusterServer server, ILogger logger) : IConsumerFailures
{
    /// <summary>The decider: runs inside the failed stream's interpreter, where the item in flight is known.</summary>
    public Directive Decide(Exception error)
    {
        var item = InFlight.TakeCurrent();
        ServerLog.ConsumerThrew(logger, StreamOf(item), error);
        Settle(item, error);
        Report(item, error);
        return Directive.Resume;
    }

    public void ConsumerFailed(string stream, Exception cause, IReadOnlyList<object> leftovers)
    {
        ServerLog.ConsumerDied(logger, stream, cause);
        foreach (var item in leftovers) Settle(item, cause);
        Report(leftovers.Count > 0 ? leftovers[0] : null, cause);
    }

    public void Overflowed(string stream, int limit) => ServerLog.StreamOverflow(logger, stream, limit);

    /// <summary>A handler the server runs itself (MapProcedure, MapReceiver) failed on <paramref name="item"/>: settle it, report it.</summary>
    public void HandlerFailed(object item, Exception error)
    {
        Settle(item, error);
        Report(item, error);
    }

    private void Settle(object? item, Exception error)
    {
        if (item is not IFailable { IsSettled: false } failable) return;
        // A middleware that fails blocks its action (fail closed) with a MiddlewareFailedError, which the client can tell
        // from a server bug; an AGError the middleware threw on purpose goes out as it is.
        failable.Fail(item is AGAction action && error is not INamedError
            ? ClientErrors.MiddlewareThrew(action.Type)
            : ClientErrors.Safe(error, server.Options.ExposeExceptionMessages));
    }

    /// <summary>The error event; not for a failed consumer of the error event itself, which would feed on its own failures.</summary>
    private void Report(object? item, Exception error)
    {
        if (item is not Exception) server.EmitError(error);
    }

    private static string StreamOf(object? item) => item switch
    {
        Sockets.AGRequest request => request.Procedure,
        Middleware.AGAction action => action.Type.ToSocketClusterName(),
        null => "(unknown)",
        _ => item.GetType().Name,
    };
}
