using Akka.Actor;
using AGServer.Sockets;

namespace AGServer.Tests.Actors;

// The README's "From your actors" messages, compiled here and run by ActorProtocolSpec; its Room and region are the
// GameRoom sample's (samples/GameRoom), which the README shows.
public static class RoomSetup
{
    public static IActorRef Start(SocketClusterServer server) => GameRoom.Rooms.Start(server);

    public static async Task<InvokeReply> Messages(SocketClusterServer server, IActorRef socket)
    {
        // README:messages
        // A private message to a user, on whichever node they are connected (every socket of theirs gets it).
        server.Users.Tell("ann", SocketCommand.Transmit("whisper", new { text = "your turn" }));

        // Invoke a player's client and await its answer (or its Error: the client's, a timeout, a closed socket).
        var reply = await socket.Ask<InvokeReply>(SocketCommand.Invoke("ready?"), TimeSpan.FromSeconds(10));
        // README:end
        return reply;
    }
}
