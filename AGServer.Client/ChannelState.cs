using System.Collections.Generic;

namespace AGServer.Client;

/// <summary>Who is on an AGServer channel with presence, cluster-wide (<see cref="AGClientSocket.GetPresenceAsync"/>).</summary>
/// <param name="Sockets">Subscribed sockets.</param>
/// <param name="Users">Distinct users among them (sockets without a token count as sockets only).</param>
/// <param name="Members">Each subscribed socket, unless only the counts were asked for.</param>
public sealed record ChannelPresence(int Sockets, int Users, IReadOnlyList<PresenceMember>? Members);

/// <summary>A subscribed socket: its id, its user (the server's user id claim when it subscribed) and its node.</summary>
public sealed record PresenceMember(string SocketId, string? UserId, string? Node);

/// <summary>
/// A notice on <c>$presence:&lt;channel&gt;</c>: <c>join</c> or <c>leave</c> of one socket, or <c>reset</c> when the
/// channel came back after a crash (fetch the members again then); with the counts after it.
/// </summary>
public sealed record PresenceNotice(string Action, string? SocketId, string? UserId, string? Node, int Sockets, int Users);

/// <summary>The last publications an AGServer history channel keeps (<see cref="AGClientSocket.GetHistoryAsync{T}"/>), oldest first.</summary>
/// <param name="Epoch">The history's epoch (it changes only when the history was lost).</param>
/// <param name="Offset">The offset of the channel's last publication.</param>
/// <param name="Publications">The kept publications, oldest first.</param>
public sealed record ChannelHistory<T>(string Epoch, long Offset, IReadOnlyList<HistoryPublication<T>> Publications);

/// <summary>One kept publication: its offset and its data.</summary>
public sealed record HistoryPublication<T>(long Offset, T? Data);
