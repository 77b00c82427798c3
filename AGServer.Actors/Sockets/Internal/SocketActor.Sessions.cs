using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Sockets per user, cluster-wide, with no central count: each socket of a user hears every session of that user that
/// starts or ends (<see cref="SessionStarted"/>, <see cref="SessionEnded"/>, told on every node). Closing the oldest
/// (the default), each keeps the sessions newer than its own and, once they are as many as <c>MaxSocketsPerUser</c>,
/// it is among the oldest and closes (4104). Refusing the newest, each older session answers the new one
/// (<see cref="SessionExists"/>), which keeps the sessions older than its own and closes (4105) once it has the limit's
/// worth. Sessions are ordered by start, then socket id, so two sockets never both count each other; a start is taken
/// after every start the node made or heard of (<see cref="Server.UserDirectory"/>), so clocks that disagree cannot
/// make a later session look older.
/// </summary>
internal sealed partial class SocketActor
{
    /// <summary>The user's live sessions this socket counts against the limit (newer or older, by policy).</summary>
    private HashSet<string>? _otherSessions;

    /// <summary>The session (<see cref="AGServerSocket.UserSince"/>) the set above counts for.</summary>
    private long _otherSessionsOf;

    private bool RefusesNewest => _options.MaxSocketsPerUserPolicy == UserSocketLimitPolicy.RefuseNewest;

    private void OnSessionStarted(SessionStarted started)
    {
        _server.Users.HeardSessionStart(started.Since);
        if (!CountsSessions(started.SocketId) || !IsNewer(started.SocketId, started.Since)) return;
        if (RefusesNewest)
        {
            Sender.Tell(new SessionExists(_socket.Id, _socket.UserSince), Self);
            return;
        }
        Count(started.SocketId, CloseCodes.SessionReplaced, "Newer sessions of this user took its place");
    }

    private void OnSessionExists(SessionExists exists)
    {
        _server.Users.HeardSessionStart(exists.Since);
        if (!RefusesNewest || !CountsSessions(exists.SocketId) || IsNewer(exists.SocketId, exists.Since)) return;
        Count(exists.SocketId, CloseCodes.TooManySessions, $"The user already has {_options.MaxSocketsPerUser} sockets");
    }

    private bool CountsSessions(string otherSocketId) =>
        _options.MaxSocketsPerUser > 0 && _socket.UserId is not null && otherSocketId != _socket.Id && _socket.State == SocketState.Open;

    /// <summary>A later start than this socket's session, or the same millisecond and a greater socket id.</summary>
    private bool IsNewer(string socketId, long since) =>
        since > _socket.UserSince || since == _socket.UserSince && string.CompareOrdinal(socketId, _socket.Id) > 0;

    private void Count(string socketId, int code, string reason)
    {
        if (_otherSessionsOf != _socket.UserSince)
        {
            _otherSessions?.Clear();
            _otherSessionsOf = _socket.UserSince;
        }
        (_otherSessions ??= []).Add(socketId);
        if (_otherSessions.Count >= _options.MaxSocketsPerUser) Disconnect(code, reason);
    }
}
