using AGServer.Diagnostics;
using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Server.Internal;
using AGServer.Sockets;
using AGServer.Streams;
using AGServer.Streams.Internal;

namespace AGServer;

// Handlers: the convenient front over the server-wide procedure, receiver and middleware streams, with failures contained.
public sealed partial class SocketClusterServer
{
    /// <summary>
    /// Serves procedure <paramref name="name"/> for every socket with <paramref name="handler"/>, minimal-API style:
    /// its parameters bind to the request's data (one parameter, deserialised with
    /// <see cref="AGServerOptions.JsonSerializerOptions"/>), <see cref="AGRequestContext"/>, <see cref="AGRequest"/>,
    /// <see cref="AGServerSocket"/>, <see cref="CancellationToken"/> (cancelled when the socket closes),
    /// <see cref="Protocol.RawJson"/>, and services (from a DI scope per call). Its return value (or awaited result) is
    /// the response, unless it answered the request itself. Data that does not fit is answered with an
    /// <c>InvalidArgumentsError</c>; an exception answers that request alone with an error
    /// (<see cref="AGServerOptions.ExposeExceptionMessages"/>), is logged and emitted as an <c>error</c> event, and the
    /// procedure goes on. Requests of sockets that closed before their turn are skipped. <paramref name="options"/>:
    /// concurrency and ordering (by default each socket's requests in order, sockets in parallel).
    /// </summary>
    /// <example><code>server.MapProcedure("sum", (Sum data) => data.A + data.B);</code></example>
    public void MapProcedure(string name, Delegate handler, HandlerOptions? options = null)
    {
        var binder = Binders.For(handler, name, procedure: true);
        RunHandler<AGRequest>(name, Procedures, r => r.Socket, options, request => Serve(request, binder));
    }

    /// <summary>
    /// Handles transmits to receiver <paramref name="name"/> from every socket with <paramref name="handler"/>, bound as
    /// for <see cref="MapProcedure(string, Delegate, HandlerOptions?)"/> (with <see cref="ReceivedMessage"/> in place of the request). A message whose data
    /// does not fit, or whose handler throws, costs that message alone: it is logged (and a failure emitted as an
    /// <c>error</c> event), and the receiver goes on.
    /// </summary>
    public void MapReceiver(string name, Delegate handler, HandlerOptions? options = null)
    {
        var binder = Binders.For(handler, name, procedure: false);
        RunHandler<ReceivedMessage>(name, Receivers, m => m.Socket, options, message => Serve(message, binder));
    }

    /// <summary>
    /// Sets the middleware of <paramref name="type"/> to a delegate that decides each action: allow, allow with other
    /// data, or block (<see cref="MiddlewareDecision"/>). Actions of one socket are decided one at a time, in order. It
    /// fails closed: an action whose delegate throws is blocked (logged, <c>error</c> event), and so is one not decided
    /// within <see cref="AGServerOptions.MiddlewareTimeout"/>. The token is cancelled when the socket closes.
    /// </summary>
    public void SetMiddleware(MiddlewareType type, Func<AGAction, CancellationToken, ValueTask<MiddlewareDecision>> decide, Func<ActionInfo, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(decide);
        SetMiddleware(type, actions => actions
            .SelectAsync(1, action => Decide(type, action, decide))
            .RunWith(Sink.Ignore<NotUsed>(), Materializer), filter);
    }

    /// <summary>The synchronous form of <see cref="SetMiddleware(MiddlewareType, Func{AGAction, CancellationToken, ValueTask{MiddlewareDecision}}, Func{ActionInfo, bool}?)"/>.</summary>
    public void SetMiddleware(MiddlewareType type, Func<AGAction, MiddlewareDecision> decide, Func<ActionInfo, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(decide);
        SetMiddleware(type, (action, _) => ValueTask.FromResult(decide(action)), filter);
    }

    /// <summary>
    /// One consumer per mapped handler, serving every socket on the thread pool (no stream actor, so synchronous
    /// handlers of different sockets run in parallel); <paramref name="serve"/> never fails, so it never stops.
    /// </summary>
    private void RunHandler<T>(string name, StreamGroup streams, Func<T, AGServerSocket> socketOf, HandlerOptions? options, Func<T, Task> serve)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= HandlerOptions.Default;
        options.Validate();
        Func<T, string>? laneOf = options.InOrderPerSocket ? item => socketOf(item).Id : null;
        new HandlerConsumer<T>(streams.Stream<T>(name), serve, options.MaxConcurrency, laneOf).Start();
    }

    // Task, not Task<T>: a call that finishes synchronously then allocates no task.
    internal async Task Serve(AGRequest request, HandlerBinder binder)
    {
        var socket = request.Socket;
        if (socket.State == SocketState.Closed) return;
        // The handler runs inside the invoke's span: its own spans (and an actor it routes to) join the trace.
        if (request.Activity is not null) global::System.Diagnostics.Activity.Current = request.Activity;
        try
        {
            var result = await binder.InvokeAsync(socket, request.Procedure, request.Data, request, request, Services).ConfigureAwait(false);
            if (!request.Sent && binder.ToResponse(result) is var response) request.End(response.IsAbsent ? null : response);
        }
        catch (HandlerDataException error)
        {
            ServerLog.DataDidNotBind(Logger, request.Procedure, socket.Id, error.Message);
            if (!request.Sent) request.Error(new Protocol.InvalidArgumentsError(error.Message));
        }
        catch (Exception error) when (error is INamedError named)
        {
            // An error the application raised on purpose (a business outcome, not a bug): the client gets it as it is.
            ServerLog.ProcedureAnsweredWithError(Logger, request.Procedure, socket.Id, named.Name, error.Message);
            if (!request.Sent) request.Error(error);
        }
        catch (OperationCanceledException) when (socket.State == SocketState.Closed)
        {
            // Stopped by its socket's close (ConnectionClosed, the handler's CancellationToken): not a failure, and
            // nobody to answer; the client's call ends with the connection.
            ServerLog.HandlerStoppedByClose(Logger, request.Procedure, socket.Id);
        }
        catch (Exception error)
        {
            ServerLog.ProcedureHandlerFailed(Logger, request.Procedure, socket.Id, error);
            Failures.HandlerFailed(request, error);
        }
    }

    internal async Task Serve(ReceivedMessage message, HandlerBinder binder)
    {
        var socket = message.Socket;
        if (socket.State == SocketState.Closed) return;
        try
        {
            await binder.InvokeAsync(socket, message.Receiver, message.Data, null, message, Services).ConfigureAwait(false);
        }
        catch (HandlerDataException error)
        {
            ServerLog.DataDidNotBind(Logger, message.Receiver, socket.Id, error.Message);
        }
        catch (Exception error) when (error is INamedError named)
        {
            ServerLog.ReceiverRefused(Logger, message.Receiver, socket.Id, named.Name, error.Message);
        }
        catch (OperationCanceledException) when (socket.State == SocketState.Closed)
        {
            ServerLog.HandlerStoppedByClose(Logger, message.Receiver, socket.Id);
        }
        catch (Exception error)
        {
            ServerLog.ReceiverHandlerFailed(Logger, message.Receiver, socket.Id, error);
            Failures.HandlerFailed(message, error);
        }
    }

    private async Task<NotUsed> Decide(MiddlewareType type, AGAction action, Func<AGAction, CancellationToken, ValueTask<MiddlewareDecision>> decide)
    {
        try
        {
            var decision = await decide(action, action.Socket?.ConnectionClosed ?? CancellationToken.None).ConfigureAwait(false);
            if (action.Outcome is null) decision.ApplyTo(action);
        }
        catch (Exception error)
        {
            ServerLog.MiddlewareHandlerFailed(Logger, type, action.Type, action.Socket?.Id, error);
            Failures.HandlerFailed(action, error);
        }
        return NotUsed.Instance;
    }
}
