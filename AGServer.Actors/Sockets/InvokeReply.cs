using AGServer.Protocol;
using System.Text.Json;

namespace AGServer.Sockets;

/// <summary>
/// What a socket answers the sender of a <see cref="SocketCommand.Invoke"/>: the client's answer to
/// <see cref="Event"/> in <see cref="Data"/> (undefined when it sent none), or, when the invoke failed, the
/// <see cref="Error"/> (the client's error, a timeout, or a closed socket, by name and message).
/// </summary>
public sealed record InvokeReply(string SocketId, string Event, string? CorrelationId, JsonElement Data, AGError? Error) : Internal.ISocketWireMessage
{
    /// <summary>True when the client answered without an error.</summary>
    public bool Succeeded => Error is null;
}
