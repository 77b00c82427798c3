using AGServer.Protocol;
using System.Text.Json;

namespace AGServer.Sockets;

/// <summary>A message an application actor may tell a socket (its actor, or by id or user through the server's directories).</summary>
public interface ISocketCommand;

/// <summary>
/// The socket actor protocol: messages an application actor may <c>Tell</c> a socket's actor
/// (<see cref="AGServerSocket.ActorRef"/>, <see cref="ActorRequest.Socket"/>), or send by socket id or user id anywhere
/// in the cluster (<c>server.Sockets.Tell</c>, <c>server.Users.Tell</c>). They do what the facade methods of the same
/// names do. A socket handles its commands one at a time in the order it receives them, so the frames they produce
/// leave in that order; frames sent through the facade (<c>socket.Transmit</c>) from other threads leave in call order
/// and may come between them. A command for a socket that has closed goes to dead letters.
/// </summary>
public static class SocketCommands
{
    /// <summary>Sends the client a fire-and-forget event (socketcluster-server's transmit).</summary>
    public sealed record Transmit(string Event, object? Data = null) : ISocketCommand;

    /// <summary>
    /// Calls procedure <see cref="Event"/> on the client. The sender gets an <see cref="InvokeReply"/>: the client's
    /// answer, or its <see cref="InvokeReply.Error"/> (the client's error, <c>TimeoutError</c> after
    /// <see cref="AckTimeout"/> ms or the server's AckTimeout, <c>BadConnectionError</c> when the socket closes first).
    /// <see cref="CorrelationId"/> comes back in the reply.
    /// </summary>
    public sealed record Invoke(string Event, object? Data = null, int? AckTimeout = null, string? CorrelationId = null) : ISocketCommand;

    /// <summary>Closes the socket with a code and reason.</summary>
    public sealed record Disconnect(int Code = 1000, string? Reason = null) : ISocketCommand;

    /// <summary>Unsubscribes the socket from <see cref="Channel"/> (every channel when null), telling the client with <c>#kickOut</c>.</summary>
    public sealed record KickOut(string? Channel = null, object? Message = null) : ISocketCommand;

    /// <summary>Signs <see cref="Payload"/> as the socket's auth token and sends it to the client (setAuthToken).</summary>
    public sealed record SetAuthToken(object Payload, int? ExpiresIn = null) : ISocketCommand;

    /// <summary>Unauthenticates the socket and tells the client to drop its token (deauthenticate).</summary>
    public sealed record RemoveAuthToken : ISocketCommand
    {
        public static readonly RemoveAuthToken Instance = new();
    }
}

/// <summary>
/// What a socket answers the sender of a <see cref="SocketCommands.Invoke"/>: the client's answer to
/// <see cref="Event"/> in <see cref="Data"/> (undefined when it sent none), or, when the invoke failed, the
/// <see cref="Error"/> (the client's error, a timeout, or a closed socket, by name and message).
/// </summary>
public sealed record InvokeReply(string SocketId, string Event, string? CorrelationId, JsonElement Data, AGError? Error) : Internal.ISocketWireMessage
{
    /// <summary>True when the client answered without an error.</summary>
    public bool Succeeded => Error is null;
}
