using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>
/// Sockets per user, cluster-wide, with no central count: each socket of a user hears every session of that user that
/// starts or ends (<see cref="SessionStarted"/>, <see cref="SessionEnded"/>, told on every node) and keeps the ones
/// newer than its own; once they are as many as <c>MaxSocketsPerUser</c>, it is among the oldest and closes (4104).
/// </summary>
internal sealed partial class SocketActor
{
    /// <summary>The user's live sessions newer than this socket's, while it belongs to a user (null until one starts).</summary>
    private HashSet<string>? _newerSessions;

    /// <summary>The session (<see cref="AGServerSocket.UserSince"/>) the set above counts for.</summary>
    private long _newerSessionsOf;

    private void OnSessionStarted(SessionStarted started)
    {
        var max = _options.MaxSocketsPerUser;
        if (max <= 0 || _socket.UserId is null || started.SocketId == _socket.Id || _socket.State != SocketState.Open) return;
        if (_newerSessionsOf != _socket.UserSince)
        {
            _newerSessions?.Clear();
            _newerSessionsOf = _socket.UserSince;
        }
        // Newer: a later start, or the same millisecond and a greater socket id (so two sockets never both count each other).
        var newer = started.Since > _socket.UserSince
                    || started.Since == _socket.UserSince && string.CompareOrdinal(started.SocketId, _socket.Id) > 0;
        if (!newer) return;
        (_newerSessions ??= []).Add(started.SocketId);
        if (_newerSessions.Count >= max) Disconnect(CloseCodes.SessionReplaced, "Newer sessions of this user took its place");
    }
}
