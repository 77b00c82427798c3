// README:room
using Akka.Actor;
using AGServer.Protocol;
using AGServer.Sockets;

namespace GameRoom;

public sealed record Move(string Room, int X, int Y);

public sealed record MoveAccepted(int Moves);

/// <summary>
/// One game room, a sharded entity: its players' moves come to it, wherever their sockets are connected. Its moves
/// are persisted, so a room keeps its count when sharding moves it to another node (a node joined or left) or its node
/// crashed; the players' sockets are not state to keep: each move names its player again.
/// </summary>
public sealed class Room : PersistentRequestActor                        // a request it throws on is answered at once
{
    private readonly Dictionary<string, IActorRef> _players = new();   // socket id -> the socket's actor
    private int _moves;

    public override string PersistenceId => $"room-{Self.Path.Name}";  // the entity id: one journal per room

    public Room()
    {
        Recover<MoveAccepted>(accepted => _moves = accepted.Moves);     // replayed when the room starts, on any node
        Command<ActorRequest>(request =>
        {
            var move = request.DataAs<Move>()!;                           // checked before it was routed here
            if (move.X is < 0 or > 7 || move.Y is < 0 or > 7)
            {
                Sender.Tell(new Status.Failure(new AGError("IllegalMoveError", "off the board")));   // the client's error, from any node
                return;
            }
            _players[request.SocketId] = request.Socket;
            var player = Sender;
            Persist(new MoveAccepted(_moves + 1), accepted =>
            {
                _moves = accepted.Moves;
                player.Tell(accepted);                                    // the answer to the player's invoke
                foreach (var socket in _players.Values)                   // the new state to every player
                    socket.Tell(SocketCommand.Transmit("state", new { moves = _moves, last = move }));
            });
        });
    }
}
// README:end
