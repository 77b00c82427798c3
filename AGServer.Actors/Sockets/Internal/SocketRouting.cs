namespace AGServer.Sockets.Internal;

/// <summary>Socket messages that cross nodes, written by <see cref="SocketMessageSerializer"/>.</summary>
internal interface ISocketWireMessage;

/// <summary>A command for one socket, sent to the server actor of the node the socket's id names.</summary>
internal sealed record RouteToSocket(string SocketId, ISocketCommand Command) : ISocketWireMessage;

/// <summary>A command for every socket of one user, sent to the server actor of every other node.</summary>
internal sealed record RouteToUser(string UserId, ISocketCommand Command) : ISocketWireMessage;

/// <summary>
/// Single-session mode: socket <paramref name="SocketId"/> became its user's at <paramref name="Since"/> (unix ms), so
/// each other socket of the user that became theirs earlier closes (4104). Sent to every socket of the user.
/// </summary>
internal sealed record SessionStarted(string SocketId, long Since) : ISocketCommand;
