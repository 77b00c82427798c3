using System;

namespace AGServer.Client;

/// <summary>What happened to a client's connection (<see cref="AGClientSocket.ListenAsync"/>), as its C# events say it.</summary>
public enum AGClientEventKind
{
    /// <summary>The handshake completed (<see cref="AGClientSocket.Connected"/>).</summary>
    Connected,

    /// <summary>The connection closed or was lost (<see cref="AGClientSocket.Disconnected"/>): <see cref="AGClientEvent.Code"/>, <see cref="AGClientEvent.Reason"/>.</summary>
    Disconnected,

    /// <summary>An error no call was told of (<see cref="AGClientSocket.Error"/>): <see cref="AGClientEvent.Error"/>.</summary>
    Error,

    /// <summary>Authenticated or not any more (<see cref="AGClientSocket.AuthenticationChanged"/>): <see cref="AGClientEvent.IsAuthenticated"/>.</summary>
    AuthenticationChanged,
}

/// <summary>One event of a client's connection, with the fields its kind has.</summary>
public sealed record AGClientEvent(AGClientEventKind Kind, int? Code = null, string? Reason = null, Exception? Error = null, bool? IsAuthenticated = null);
