using Akka.Actor;

namespace AGServer.Sockets;

/// <summary>
/// The seam between a socket and its connection (a WebSocket, or an in-memory pipe in tests). The socket actor never
/// sees Kestrel or <see cref="System.Net.WebSockets.WebSocket"/>.
/// Contract: after <see cref="Attach"/>, the transport tells the actor <see cref="TransportMessages.FrameReceived"/>
/// for each inbound frame in order, and exactly one <see cref="TransportMessages.TransportClosed"/> when the
/// connection is gone. Output is written only by the socket's <see cref="Internal.SocketOutbox"/>, one write at a time
/// (<see cref="WriteAsync"/>, then at most one <see cref="CloseOutputAsync"/>, last); a close the transport decides itself
/// (the client closed, a message too big) is posted to that outbox, so it goes out after the frames before it.
/// </summary>
internal interface ISocketTransport
{
    /// <summary>Starts delivering inbound frames to <paramref name="socketActor"/>; the transport's own closes go to <paramref name="outbox"/>.</summary>
    void Attach(IActorRef socketActor, Internal.SocketOutbox outbox);

    /// <summary>Writes one frame (called by the outbox only, never concurrently).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> frame);

    /// <summary>Sends the close frame (called by the outbox only, once, after its last frame).</summary>
    ValueTask CloseOutputAsync(int code, string? reason);

    /// <summary>Cuts the connection at once, with no close frame (the actor then hears a 1006 close).</summary>
    void Abort();

    /// <summary>Cancelled when the connection is over.</summary>
    CancellationToken ConnectionOver { get; }

    /// <summary>
    /// Inbound credit, the socket's one bound on what it was sent and has not finished with: frames handed to the actor
    /// and not yet processed, and the requests and messages the actor handed to application streams that no consumer
    /// took yet (<see cref="ChargeInbound"/>). A transport holds at most its inbound window of both and stops reading
    /// from the connection while it is full (the client's own send buffer then fills: TCP backpressure); it reads again
    /// once half of it is free. This releases <paramref name="bytes"/> of a frame the actor processed.
    /// </summary>
    void ReleaseInbound(int bytes);

    /// <summary>
    /// The actor handed on an item that holds <paramref name="bytes"/> of the window until a consumer takes it
    /// (<see cref="ReleaseCharge"/>). True when the items alone now fill the window: the actor then processes nothing
    /// more until the transport tells it <see cref="TransportMessages.InboundReopened"/>, once they hold at most half,
    /// so frames already read wait in its queue (still in the window) and small requests cannot pile up past it.
    /// </summary>
    bool ChargeInbound(int bytes);

    /// <summary>A consumer took an item (or it was dropped): its charge leaves the window.</summary>
    void ReleaseCharge(int bytes);

    /// <summary>Payload bytes received so far.</summary>
    long BytesReceived { get; }

    /// <summary>
    /// Pongs the transport may take itself (<see cref="Server.Internal.KeepAliveWheel.Member.TryTakePong"/>) rather than
    /// hand them to the actor; null: every frame goes to the actor. A transport that does not shortcut ignores it.
    /// </summary>
    void TakePongsWith(Server.Internal.KeepAliveWheel.Member? member) { }
}

/// <summary>What a transport tells its socket actor.</summary>
internal static class TransportMessages
{
    public sealed record FrameReceived(ReadOnlyMemory<byte> Frame);

    public sealed record TransportClosed(int Code, string? Reason);

    /// <summary>Half of the inbound window is free again, after a charge filled it (<see cref="ISocketTransport.ChargeInbound"/>).</summary>
    public sealed record InboundReopened
    {
        public static readonly InboundReopened Instance = new();
    }

    public sealed record OutboundOverflow
    {
        public static readonly OutboundOverflow Instance = new();
    }
}
