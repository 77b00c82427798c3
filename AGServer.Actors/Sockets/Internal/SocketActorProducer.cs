using Akka.Actor;
using AGServer.Middleware;
using AGServer.Streams;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Makes socket actors with a plain constructor call: an expression-based <c>Props.Create(() => ...)</c> is evaluated
/// on every connection, which showed as a large share of the CPU per handshake.
/// </summary>
internal sealed class SocketActorProducer(SocketClusterServer server, ISocketTransport transport, SocketRequest request, EventStream<AGAction>? handshakeStream)
    : IIndirectActorProducer
{
    public Type ActorType => typeof(SocketActor);

    public ActorBase Produce() => new SocketActor(server, transport, request, handshakeStream);

    public void Release(ActorBase actor)
    {
    }

    public static Props Props(SocketClusterServer server, ISocketTransport transport, SocketRequest request, EventStream<AGAction>? handshakeStream) =>
        Akka.Actor.Props.CreateBy(new SocketActorProducer(server, transport, request, handshakeStream)).WithMailbox(SocketMailbox.Id);
}
