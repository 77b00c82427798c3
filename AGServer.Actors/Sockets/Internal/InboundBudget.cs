namespace AGServer.Sockets.Internal;

/// <summary>
/// The node-wide bound on inbound bytes held across all sockets (<see cref="Server.AGServerOptions.NodeInboundLimit"/>):
/// messages being read beyond the small receive buffer (<see cref="NodeByteBudget.TryReserve"/>), and frames read and
/// not yet processed (<see cref="NodeByteBudget.Add"/>, even past the limit). Each socket is bounded on its own
/// (<c>MaxPayload</c>, <c>InboundWindow</c>); this bounds their sum, so many sockets sending large frames at once cannot
/// exhaust the node.
/// </summary>
/// <remarks>
/// Policy: at the limit every socket stops reading after its current frame until the node holds three quarters of the
/// limit or less (TCP backpressure; what is held drains as sockets process their frames, so this always ends). A
/// message that cannot grow its buffer within the limit closes its socket with 4101, since waiting for room while
/// holding part of a message could stall the node.
/// </remarks>
internal sealed class InboundBudget(long limit) : NodeByteBudget(limit);
