namespace AGServer.Protocol;

/// <summary>
/// Turns frames into packets and packets into frames. The default is <see cref="JsonCodec"/>;
/// another codec can be set through <c>AGServerOptions.Codec</c>. Implementations must be thread-safe:
/// every socket of a node shares one codec.
/// </summary>
internal interface ISocketCodec
{
    /// <summary>
    /// Decodes one inbound frame. Adds its packets to <paramref name="packets"/> (one, or several for a batch)
    /// and returns <see cref="FrameKind.Packets"/>, or returns <see cref="FrameKind.Raw"/> when the frame is
    /// not a packet. The returned packets may refer to <paramref name="frame"/>'s memory, which the caller
    /// keeps alive and unchanged.
    /// </summary>
    FrameKind Decode(ReadOnlyMemory<byte> frame, List<InboundPacket> packets);

    /// <summary>Encodes one packet as a frame.</summary>
    byte[] Encode(in OutboundPacket packet);

    /// <summary>Joins frames made by <see cref="Encode"/> into one batch frame, in order.</summary>
    byte[] EncodeBatch(IReadOnlyList<ReadOnlyMemory<byte>> frames);
}
