namespace AGServer.Sockets;

/// <summary>Messages and payload bytes a socket (or a node's sockets together) received and sent.</summary>
internal readonly record struct Traffic(long MessagesReceived, long BytesReceived, long MessagesSent, long BytesSent, long InvokesReceived = 0)
{
    public static Traffic operator +(Traffic a, Traffic b) => new(
        a.MessagesReceived + b.MessagesReceived, a.BytesReceived + b.BytesReceived, a.MessagesSent + b.MessagesSent, a.BytesSent + b.BytesSent,
        a.InvokesReceived + b.InvokesReceived);
}
