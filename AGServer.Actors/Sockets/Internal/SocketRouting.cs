namespace AGServer.Sockets.Internal;

/// <summary>Socket messages that cross nodes, written by <see cref="SocketMessageSerializer"/>.</summary>
internal interface ISocketWireMessage;

/// <summary>A command for one socket, sent to the server actor of the node the socket's id names.</summary>
internal sealed record RouteToSocket(string SocketId, ISocketCommand Command) : ISocketWireMessage;

/// <summary>A command for every socket of one user, sent to the server actor of every other node.</summary>
internal sealed record RouteToUser(string UserId, ISocketCommand Command) : ISocketWireMessage;

/// <summary>
/// <c>MaxSocketsPerUser</c>: socket <paramref name="SocketId"/> became its user's at <paramref name="Since"/> (unix ms).
/// Sent to every socket of the user, on every node: each counts the newer sessions of its user and closes (4104) once
/// it has as many as the limit, so the newest ones stay.
/// </summary>
internal sealed record SessionStarted(string SocketId, long Since) : ISocketCommand;

/// <summary>Socket <paramref name="SocketId"/> is no longer its user's (it closed, logged out or became another's).</summary>
internal sealed record SessionEnded(string SocketId) : ISocketCommand;
