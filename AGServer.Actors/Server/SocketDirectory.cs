using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AGServer.Sockets;
using AGServer.Sockets.Internal;

namespace AGServer.Server;

/// <summary>
/// Sockets by id, cluster-wide (<c>server.Sockets</c>). A socket's id starts with a tag of the node it is connected
/// to, so a command finds that node from the cluster's membership alone: no directory to replicate or keep current.
/// </summary>
public sealed class SocketDirectory
{
    private const int TagLength = 6;
    private readonly SocketClusterServer _server;
    private long _undelivered;

    internal SocketDirectory(SocketClusterServer server)
    {
        _server = server;
        NodeTag = TagOf(Cluster.Get(server.System).SelfUniqueAddress);
    }

    /// <summary>This node's tag, the first characters of every socket id it gives.</summary>
    internal string NodeTag { get; }

    /// <summary>
    /// Commands sent to a socket id that no node has (it closed, or its node left or crashed): each went to dead
    /// letters and was counted here, on the node that found it missing.
    /// </summary>
    public long UndeliveredCount => Interlocked.Read(ref _undelivered);

    /// <summary>
    /// Tells the socket <paramref name="socketId"/>, on whichever node it is connected, <paramref name="command"/>
    /// (replies, such as an invoke's answer, go to <paramref name="sender"/>). A socket that has closed: dead letter.
    /// </summary>
    public void Tell(string socketId, SocketCommand command, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(socketId);
        ArgumentNullException.ThrowIfNull(command);
        if (socketId.StartsWith(NodeTag, StringComparison.Ordinal) || socketId.Length < TagLength)
        {
            DeliverLocal(socketId, command, sender);
            return;
        }
        var tag = socketId[..TagLength];
        var owners = Cluster.Get(_server.System).State.Members.Where(m => TagOf(m.UniqueAddress) == tag).ToList();
        if (owners.Count == 0) Undeliverable(command, sender);
        foreach (var owner in owners)
            _server.System.ActorSelection(SocketClusterServer.ServerActorPath(owner.Address)).Tell(new RouteToSocket(socketId, command), sender);
    }

    /// <summary>This node's socket <paramref name="socketId"/>, handshaken or not, or null.</summary>
    public AGServerSocket? Local(string socketId) =>
        _server.Clients.GetValueOrDefault(socketId) ?? _server.PendingClients.GetValueOrDefault(socketId);

    internal void DeliverLocal(string socketId, ISocketCommand command, IActorRef? sender)
    {
        if (Local(socketId) is { } socket) socket.ActorRef.Tell(command, sender);
        else Undeliverable(command, sender);
    }

    private void Undeliverable(ISocketCommand command, IActorRef? sender)
    {
        Interlocked.Increment(ref _undelivered);
        _server.Metrics.Undelivered();
        _server.System.DeadLetters.Tell(new DeadLetter(command, sender ?? ActorRefs.Nobody, _server.ServerActorRef));
    }

    internal string NewSocketId() => NodeTag + Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));

    private static string TagOf(UniqueAddress node) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToString())))[..TagLength];
}
