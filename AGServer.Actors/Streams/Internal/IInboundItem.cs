namespace AGServer.Streams.Internal;

/// <summary>
/// A request or message a socket handed to application streams. It holds its charge of the socket's inbound window
/// until a consumer takes it (or it is dropped), and an item whose socket has closed is not handed to application code.
/// </summary>
internal interface IInboundItem
{
    /// <summary>Its socket is closed: the work it asks for has no one to go to.</summary>
    bool IsStale { get; }

    /// <summary>A consumer took it, or it was dropped; counts once however many consumers see it.</summary>
    void Taken();
}
