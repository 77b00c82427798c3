using Akka.Actor;

namespace AGServer.Sockets;

/// <summary>
/// The seam between a socket actor and its connection (a WebSocket, or an in-memory pipe in tests).
/// The socket actor never sees Kestrel or <see cref="System.Net.WebSockets.WebSocket"/>.
/// Contract: after <see cref="Attach"/>, the transport tells the actor <see cref="TransportMessages.FrameReceived"/>
/// for each inbound frame in order, and exactly one <see cref="TransportMessages.TransportClosed"/> when the
/// connection is gone. <see cref="Send"/> and <see cref="Close"/> are thread-safe; frames leave in the order sent,
/// and a close goes out after the frames queued before it.
/// </summary>
internal interface ISocketTransport
{
    /// <summary>Starts delivering inbound frames to <paramref name="socketActor"/>.</summary>
    void Attach(IActorRef socketActor);

    /// <summary>
    /// Queues one frame. Returns false when the outbound queue is full (the transport then tells the actor
    /// <see cref="TransportMessages.OutboundOverflow"/>). <paramref name="writeHere"/>: when no write is in progress,
    /// the caller's thread may start writing (cheapest for one frame); false hands the write to the thread pool, so
    /// that a fan-out to many sockets spreads over all cores.
    /// </summary>
    bool Send(ReadOnlyMemory<byte> frame, bool writeHere = true);

    /// <summary>Sends a close frame after what is queued, then ends the connection.</summary>
    void Close(int code, string? reason);

    /// <summary>Cuts the connection at once, with no close frame (the actor then hears a 1006 close).</summary>
    void Abort();

    /// <summary>
    /// Inbound credit: the socket actor is done with <paramref name="bytes"/> of frames it was handed. A transport holds at
    /// most its inbound window of frames handed and not yet released, and stops reading from the connection while it is
    /// full (the client's own send buffer then fills: TCP backpressure); it reads again once half of it is released.
    /// </summary>
    void ReleaseInbound(int bytes);

    /// <summary>Frames queued and not yet written.</summary>
    int QueuedFrames { get; }

    /// <summary>Payload bytes received so far.</summary>
    long BytesReceived { get; }
}

/// <summary>What a transport tells its socket actor.</summary>
internal static class TransportMessages
{
    public sealed record FrameReceived(ReadOnlyMemory<byte> Frame);

    public sealed record TransportClosed(int Code, string? Reason);

    public sealed record OutboundOverflow
    {
        public static readonly OutboundOverflow Instance = new();
    }
}
