namespace AGServer.Sockets.Internal;

/// <summary>
/// The node-wide bound on outbound bytes waiting across all sockets' outboxes
/// (<see cref="Server.AGServerOptions.NodeOutboundLimit"/>). Each outbox is bounded on its own (<c>OutboundQueueLimit</c>,
/// <c>OutboundQueueBytes</c>); this bounds their sum, which a fan-out to many sockets fills fastest.
/// </summary>
/// <remarks>
/// Policy: at the limit, sockets that publish stop processing (their reading pauses: TCP backpressure) before their next
/// publish, until the node holds three quarters of the limit or less; everything else (responses, pings, the
/// application's own publishes) still goes out, and what waits drains as clients read, so this always ends. The cost of
/// a flood lands on its publishers, not on its subscribers.
/// </remarks>
internal sealed class OutboundBudget(long limit) : NodeByteBudget(limit);
