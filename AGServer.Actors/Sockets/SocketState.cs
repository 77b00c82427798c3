namespace AGServer.Sockets;

/// <summary>A socket's life: connecting until the handshake completes, then open, then closed for good.</summary>
public enum SocketState
{
    Connecting,
    Open,
    Closed,
}
