namespace AGServer.Sockets;

/// <summary>
/// Messages an application actor may <c>Tell</c> a socket's actor (<see cref="AGServerSocket.ActorRef"/>),
/// instead of calling the facade. They have the same effect as the facade methods of the same names.
/// </summary>
public static class SocketCommands
{
    /// <summary>Sends the client a fire-and-forget event.</summary>
    public sealed record Transmit(string Event, object? Data);

    /// <summary>Closes the socket with a code and reason.</summary>
    public sealed record Disconnect(int Code = 1000, string? Reason = null);
}
