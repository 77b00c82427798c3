namespace AGServer.Sockets.Internal;

/// <summary>Socket messages that cross nodes, written by <see cref="SocketMessageSerializer"/>.</summary>
internal interface ISocketWireMessage;

/// <summary>A message a socket's actor takes by socket id or user id (the public <see cref="SocketCommand"/> and the sessions' own).</summary>
internal interface ISocketCommand;

/// <summary>A command for one socket, sent to the server actor of the node the socket's id names.</summary>
internal sealed record RouteToSocket(string SocketId, ISocketCommand Command) : ISocketWireMessage;

/// <summary>A command for every socket of one user, sent to the server actor of every other node.</summary>
internal sealed record RouteToUser(string UserId, ISocketCommand Command) : ISocketWireMessage;

/// <summary>
/// <c>MaxSocketsPerUser</c>: socket <paramref name="SocketId"/> became its user's at <paramref name="Since"/> (unix ms).
/// Sent to every socket of the user, on every node, from the new socket's actor; each answers <see cref="SessionExists"/>.
/// Closing the oldest, each counts the newer sessions of its user and closes (4104) once it has as many as the limit, so
/// the newest ones stay; refusing the newest, each counts the older ones and closes (4105) once it has as many.
/// </summary>
internal sealed record SessionStarted(string SocketId, long Since) : ISocketCommand;

/// <summary>
/// The answer of a session of the same user to <see cref="SessionStarted"/>: a start can pass a node before the other
/// session registered there, and the answer makes sure each of the two learns of the other.
/// </summary>
internal sealed record SessionExists(string SocketId, long Since) : ISocketCommand;

/// <summary>Socket <paramref name="SocketId"/> is no longer its user's (it closed, logged out or became another's).</summary>
internal sealed record SessionEnded(string SocketId) : ISocketCommand;

/// <summary>
/// A node asks a user's budget entity for tokens of limit <paramref name="Limit"/> (configured as
/// <paramref name="PerSecond"/> and <paramref name="Burst"/>): at least <paramref name="Needed"/>, up to
/// <paramref name="Wanted"/>, or none.
/// </summary>
internal sealed record LeaseRequest(string UserId, string Limit, int PerSecond, int Burst, int Needed, int Wanted) : ISocketWireMessage;

/// <summary>The tokens a user's budget entity granted (0: the user's bucket has not enough now).</summary>
internal sealed record LeaseGranted(string UserId, string Limit, int Granted) : ISocketWireMessage;
