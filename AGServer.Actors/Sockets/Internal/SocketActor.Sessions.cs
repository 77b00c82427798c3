using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Sockets per user, cluster-wide, with no central count: each socket of a user hears every session of that user that
/// starts or ends (<see cref="SessionStarted"/>, <see cref="SessionEnded"/>, told on every node) and answers each start
/// with its own (<see cref="SessionExists"/>), so of any two sessions each learns of the other, whichever registered
/// first. Sessions are ordered by start, then socket id, so two sockets always agree which is older. Closing the oldest
/// (the default), a socket keeps the sessions newer than its own and closes (4104) once they are as many as
/// <c>MaxSocketsPerUser</c>; refusing the newest, it keeps the sessions older than its own and closes (4105) once it
/// has the limit's worth. A start is taken in microseconds and after every start the node made or heard of
/// (<see cref="Server.UserDirectory"/>): a session started after another's start was answered counts as newer even when
/// the nodes' clocks disagree or the clock stepped back.
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
        if (!CountsSessions(started.SocketId)) return;
        Sender.Tell(new SessionExists(_socket.Id, _socket.UserSince), Self);
        Consider(started.SocketId, started.Since);
    }

    private void OnSessionExists(SessionExists exists)
    {
        _server.Users.HeardSessionStart(exists.Since);
        if (CountsSessions(exists.SocketId)) Consider(exists.SocketId, exists.Since);
    }

    /// <summary>Counts another live session of the user when the policy makes it count against this one.</summary>
    private void Consider(string socketId, long since)
    {
        var newer = IsNewer(socketId, since);
        if (RefusesNewest && !newer) Count(socketId, CloseCodes.TooManySessions, $"The user already has {_options.MaxSocketsPerUser} sockets");
        else if (!RefusesNewest && newer) Count(socketId, CloseCodes.SessionReplaced, "Newer sessions of this user took its place");
    }

    private bool CountsSessions(string otherSocketId) =>
        _options.MaxSocketsPerUser > 0 && _socket.UserId is not null && otherSocketId != _socket.Id;

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
