using AGServer.Server;
using AGServer.Streams.Internal;

namespace AGServer.Sockets;

// Per-socket handlers: socketcluster-server's per-socket procedure and receiver loops, without a stream per socket.
public sealed partial class AGServerSocket
{
    /// <summary>
    /// Serves this socket's invokes of procedure <paramref name="name"/> with <paramref name="handler"/>, bound and
    /// contained as for <see cref="SocketClusterServer.MapProcedure(string, Delegate, HandlerOptions?)"/>: its parameters
    /// take the data, the request, the socket, a cancellation token, services; its result is the response; an exception
    /// answers that request alone with an error, is logged, and the handler goes on. The SocketCluster way of setting
    /// up a procedure for each socket in the <c>connection</c> listener, at a fraction of the cost of a
    /// <see cref="Procedure(string)"/> stream per socket: the handler runs on the thread pool with no Akka stream (no
    /// actor, no materialisation), so mapping it for every socket costs a few hundred bytes per socket. Requests are
    /// served one at a time in arrival order; with <see cref="HandlerOptions.InOrderPerSocket"/> false, up to
    /// <see cref="HandlerOptions.MaxConcurrency"/> at once. It is a consumer of this socket's procedure stream: it has
    /// the stream's bound (<see cref="AGServerOptions.StreamBufferLimit"/>), shows in its consumer stats, and ends when
    /// the stream is closed or killed or the socket closes.
    /// </summary>
    /// <example><code>server.Listener(ServerEvents.Connection).RunForeach(c => c.Socket.MapProcedure("hello", () => "hi"), server.Materializer);</code></example>
    public void MapProcedure(string name, Delegate handler, HandlerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var concurrency = ConcurrencyOf(options);
        var binder = Server.Binders.For(handler, name, procedure: true);
        new HandlerConsumer<AGRequest>(Procedures.Stream<AGRequest>(name), request => Server.Serve(request, binder), concurrency).Start();
    }

    /// <summary>
    /// Handles this socket's transmits to receiver <paramref name="name"/> with <paramref name="handler"/>, bound and
    /// contained as for <see cref="SocketClusterServer.MapReceiver(string, Delegate, HandlerOptions?)"/>, run as
    /// <see cref="MapProcedure(string, Delegate, HandlerOptions?)"/> runs its handler (no stream per socket).
    /// </summary>
    public void MapReceiver(string name, Delegate handler, HandlerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var concurrency = ConcurrencyOf(options);
        var binder = Server.Binders.For(handler, name, procedure: false);
        new HandlerConsumer<ReceivedMessage>(Receivers.Stream<ReceivedMessage>(name), message => Server.Serve(message, binder), concurrency).Start();
    }

    /// <summary>How many of this socket's calls may run at once: ordered per socket means one at a time.</summary>
    private static int ConcurrencyOf(HandlerOptions? options)
    {
        options ??= HandlerOptions.Default;
        options.Validate();
        return options.InOrderPerSocket ? 1 : options.MaxConcurrency;
    }
}
