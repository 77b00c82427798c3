using Akka;
using Akka.Streams.Dsl;
using AGServer.Server;
using AGServer.Server.Internal;
using AGServer.Sockets;

namespace AGServer;

// Handlers: the convenient front over the server-wide procedure and receiver streams, with failures contained.
public sealed partial class SocketClusterServer
{
    /// <summary>
    /// Serves procedure <paramref name="name"/> for every socket with <paramref name="handler"/>: its return value is
    /// the response (unless it answered the request itself). If it throws, that request alone is answered with an
    /// error (see <see cref="AGServerOptions.ExposeExceptionMessages"/>), the failure is logged and emitted as an
    /// <c>error</c> event, and the procedure goes on serving. Requests of sockets that closed before their turn are
    /// skipped.
    /// </summary>
    public void MapProcedure(string name, Func<AGRequest, object?> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        MapProcedure(name, (request, _) => Task.FromResult(handler(request)), options);
    }

    /// <summary>
    /// Serves procedure <paramref name="name"/> for every socket with an asynchronous <paramref name="handler"/>, given
    /// the request and a token cancelled when its socket closes (<see cref="AGServerSocket.ConnectionClosed"/>). Its
    /// result is the response (unless it answered the request itself); a thrown exception or a faulted task answers that
    /// request alone with an error, is logged and emitted as an <c>error</c> event. <paramref name="options"/> sets how
    /// many calls run at once (one by default).
    /// </summary>
    public void MapProcedure(string name, Func<AGRequest, CancellationToken, Task<object?>> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        RunHandler(name, Procedure, options, request => Serve(request, handler));
    }

    /// <summary>
    /// Handles transmits to receiver <paramref name="name"/> from every socket. A handler that throws costs that message
    /// alone: the failure is logged and emitted as an <c>error</c> event, and the receiver goes on.
    /// </summary>
    public void MapReceiver(string name, Action<ReceivedMessage> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        MapReceiver(name, (message, _) =>
        {
            handler(message);
            return Task.CompletedTask;
        }, options);
    }

    /// <summary>The asynchronous form of <see cref="MapReceiver(string, Action{ReceivedMessage}, HandlerOptions?)"/>; the token is cancelled when the socket closes.</summary>
    public void MapReceiver(string name, Func<ReceivedMessage, CancellationToken, Task> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        RunHandler(name, Receiver, options, message => Serve(message, handler));
    }

    /// <summary>One stream per mapped handler, serving every socket; <paramref name="serve"/> never fails, so it never stops.</summary>
    private void RunHandler<T>(string name, Func<string, Source<T, NotUsed>> stream, HandlerOptions? options, Func<T, Task<NotUsed>> serve)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= HandlerOptions.Default;
        options.Validate();
        stream(name).SelectAsync(options.MaxConcurrency, serve).RunWith(Sink.Ignore<NotUsed>(), Materializer);
    }

    private async Task<NotUsed> Serve(AGRequest request, Func<AGRequest, CancellationToken, Task<object?>> handler)
    {
        var socket = request.Socket;
        if (socket.State == SocketState.Closed) return NotUsed.Instance;
        try
        {
            var result = await handler(request, socket.ConnectionClosed).ConfigureAwait(false);
            if (!request.Sent) request.End(result);
        }
        catch (Exception error)
        {
            ServerLog.ProcedureHandlerFailed(Logger, request.Procedure, socket.Id, error);
            Failures.HandlerFailed(request, error);
        }
        return NotUsed.Instance;
    }

    private async Task<NotUsed> Serve(ReceivedMessage message, Func<ReceivedMessage, CancellationToken, Task> handler)
    {
        var socket = message.Socket;
        if (socket.State == SocketState.Closed) return NotUsed.Instance;
        try
        {
            await handler(message, socket.ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            ServerLog.ReceiverHandlerFailed(Logger, message.Receiver, socket.Id, error);
            Failures.HandlerFailed(message, error);
        }
        return NotUsed.Instance;
    }
}
