using AGServer.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Server.Internal;
using AGServer.Sockets;

namespace AGServer;

// Actor routing: procedures and receivers served by application actors (often sharded entities), the data checked first.
public sealed partial class SocketClusterServer
{
    /// <summary>
    /// Serves procedure <paramref name="name"/> with an actor. The data is bound to <typeparamref name="TData"/> first,
    /// as for a delegate handler: data that does not fit, or whose entity id cannot be read, is answered with an
    /// <c>InvalidArgumentsError</c> and never reaches the actor. Then the actor gets an <see cref="ActorRequest"/>
    /// (in a <see cref="ShardingEnvelope"/> keyed by <paramref name="entityId"/> of the data, when given: for a shard
    /// region started with <see cref="ActorRequest.ShardMessageExtractor"/>), and its reply to the sender is the response: a
    /// <see cref="Status.Failure"/> is an error (an <see cref="AGError"/> reaches the client with its name, message and
    /// properties, from any node), no reply within AckTimeout a <c>TimeoutError</c>. An actor derived from
    /// <see cref="RequestActor"/> answers a request it throws on at once. Contained and ordered as
    /// <see cref="MapProcedure(string, Delegate, HandlerOptions?)"/>.
    /// </summary>
    /// <example><code>server.MapProcedure&lt;Move&gt;("move", rooms, move => move.Room);</code></example>
    public void MapProcedure<TData>(string name, IActorRef actor, Func<TData, string>? entityId = null, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var timeout = TimeSpan.FromMilliseconds(Options.AckTimeout);
        MapProcedure(name, async (TData data, AGRequest request) =>
        {
            var message = Routed(name, data, ActorRequest.For(request.Procedure, request.Data, request.Socket, request.Activity), entityId);
            object reply;
            try
            {
                reply = await actor.Ask<object>(message, timeout, request.Socket.ConnectionClosed).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                throw new TimeoutError($"{name}: the actor did not answer within {Options.AckTimeout} ms");
            }
            catch (TaskCanceledException) when (!request.Socket.ConnectionClosed.IsCancellationRequested)
            {
                // Akka answers an ask with a cancelled task when a Status.Failure arrives without its cause: an
                // exception that could not be carried from another node. The client still gets its answer now.
                ServerLog.RoutedFailureLost(Logger, name);
                throw new AGError(AGErrorNames.ServerError, "The server failed while handling this request");
            }
            return reply switch
            {
                Status.Failure failure => throw failure.Cause,
                Status.Success success => success.Status,
                _ => reply,
            };
        }, options);
    }

    /// <summary>Serves procedure <paramref name="name"/> with an actor, the data as it arrived (see <see cref="MapProcedure{TData}"/>).</summary>
    public void MapProcedure(string name, IActorRef actor, HandlerOptions? options = null) => MapProcedure<RawJson>(name, actor, null, options);

    /// <summary>
    /// Hands transmits to receiver <paramref name="name"/> to <paramref name="actor"/> as <see cref="ActorRequest"/>s,
    /// the data bound to <typeparamref name="TData"/> first (a message that does not fit is dropped and logged, never
    /// handed on), in a <see cref="ShardingEnvelope"/> keyed by <paramref name="entityId"/> when given. Sent from the
    /// socket's actor: the actor may answer the client by telling its sender <see cref="SocketCommand"/>.
    /// </summary>
    public void MapReceiver<TData>(string name, IActorRef actor, Func<TData, string>? entityId = null, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        MapReceiver(name, (TData data, ReceivedMessage message) =>
            actor.Tell(Routed(name, data, ActorRequest.For(message.Receiver, message.Data, message.Socket), entityId), message.Socket.ActorRef), options);
    }

    /// <summary>Hands transmits to receiver <paramref name="name"/> to an actor, the data as it arrived (see <see cref="MapReceiver{TData}"/>).</summary>
    public void MapReceiver(string name, IActorRef actor, HandlerOptions? options = null) => MapReceiver<RawJson>(name, actor, null, options);

    /// <summary>The message for the actor: the request, in a sharding envelope when an entity id is read from the data.</summary>
    private static object Routed<TData>(string name, TData data, ActorRequest request, Func<TData, string>? entityId)
    {
        if (entityId is null) return request;
        string? id;
        try
        {
            id = data is null ? null : entityId(data);
        }
        catch (Exception error)
        {
            throw new HandlerDataException($"{name}: the entity id could not be read from the data ({error.GetType().Name})");
        }
        if (string.IsNullOrEmpty(id)) throw new HandlerDataException($"{name}: the data names no entity");
        return new ShardingEnvelope(id, request);
    }
}
