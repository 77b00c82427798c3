namespace AGServer.Protocol;

/// <summary>One decoded inbound packet. <see cref="Event"/> is set for transmits and invokes, <see cref="Rid"/> for responses.</summary>
internal readonly record struct InboundPacket(string? Event, long? Cid, long? Rid, RawJson Data, RawJson Error)
{
    public bool IsEvent => Event is not null;
    public bool IsInvoke => Event is not null && Cid is not null;
    public bool IsResponse => Event is null && Rid is not null;
}

/// <summary>What a frame turned out to be.</summary>
internal enum FrameKind
{
    /// <summary>Not a packet (not JSON, or JSON of another shape): emitted as a <c>raw</c> message.</summary>
    Raw,
    /// <summary>One or more packets (more than one when the frame was a batch).</summary>
    Packets,
}

/// <summary>
/// A packet to send. Exactly one of the shapes: transmit (Event), invoke (Event + Cid),
/// response (Rid + Data) or error response (Rid + Error). <see cref="Channel"/> turns Data into
/// <c>{"channel": Channel, "data": Data}</c>, the shape of <c>#publish</c>.
/// </summary>
internal readonly record struct OutboundPacket(
    string? Event = null,
    object? Data = null,
    long? Cid = null,
    long? Rid = null,
    Exception? Error = null,
    string? Channel = null)
{
    public static OutboundPacket Transmit(string @event, object? data) => new(Event: @event, Data: data);
    public static OutboundPacket Invoke(string @event, object? data, long cid) => new(Event: @event, Data: data, Cid: cid);
    public static OutboundPacket Response(long rid, object? data) => new(Data: data, Rid: rid);
    public static OutboundPacket ErrorResponse(long rid, Exception error) => new(Rid: rid, Error: error);
    public static OutboundPacket Publish(string channel, object? data) => new(Event: "#publish", Data: data, Channel: channel);
}
