using System.Text.Json;
using Akka.Actor;
using AGServer.Protocol;
using AGServer.Sockets.Internal;

namespace AGServer.Sockets;

/// <summary>
/// A client's invoke or transmit, handed to an application actor by <c>MapProcedure(name, actor)</c> or
/// <c>MapReceiver(name, actor)</c>. For a procedure, answer by replying to the sender with the response data (any
/// object; across nodes it must be serializable by Akka, as a record is) or <see cref="Status.Failure"/> with an error
/// (an <see cref="AGError"/> reaches the client with its name and message). <see cref="Socket"/> is the socket's actor,
/// anywhere in the cluster: tell it <see cref="SocketCommand"/> to transmit, invoke, kick out or disconnect.
/// </summary>
/// <param name="Name">The procedure or receiver name.</param>
/// <param name="Data">The data as the client sent it.</param>
/// <param name="SocketId">The socket's id, for <c>server.Sockets.Tell</c>.</param>
/// <param name="UserId">The socket's user (the <c>UserIdClaim</c> of its auth token), or null when not authenticated.</param>
/// <param name="Socket">The socket's actor.</param>
public sealed record ActorRequest(string Name, RawJson Data, string SocketId, string? UserId, IActorRef Socket) : ISocketWireMessage
{
    /// <summary>
    /// The invoke's span as W3C <c>traceparent</c>, while traces are recorded (null otherwise): <see cref="RequestActor"/>
    /// continues the trace with it; another actor may start its own spans under it.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The data as <typeparamref name="T"/> (System.Text.Json, camelCase by default).</summary>
    public T? DataAs<T>(JsonSerializerOptions? options = null) => Data.Deserialize<T>(options);

    /// <summary>
    /// The message extractor for a shard region that serves routed requests (<c>MapProcedure&lt;TData&gt;(name, region,
    /// entityId)</c>): AGServer sends each request in a <see cref="Akka.Cluster.Sharding.ShardingEnvelope"/> keyed by the
    /// entity id its <c>entityId</c> function took from checked data, and the extractor reads nothing else, so nothing a
    /// client sends is read inside the region. Send other messages for these entities in a <c>ShardingEnvelope</c> too.
    /// </summary>
    public static Akka.Cluster.Sharding.IMessageExtractor ShardMessageExtractor(int maxNumberOfShards) =>
        new RoutedRequestExtractor(maxNumberOfShards);

    internal static ActorRequest For(string name, RawJson data, AGServerSocket socket, System.Diagnostics.Activity? trace = null) =>
        new(name, data, socket.Id, socket.UserId, socket.ActorRef) { TraceParent = trace is null ? null : Server.AGServerTracing.TraceParent(trace.Context) };
}
