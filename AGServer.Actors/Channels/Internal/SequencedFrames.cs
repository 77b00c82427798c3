using AGServer.Protocol;

namespace AGServer.Channels.Internal;

/// <summary>
/// The <c>#publish</c> frames of channels with history: each publication's data is wrapped as
/// <c>{"offset": n, "epoch": "e", "data": original}</c>, so a subscriber knows where it is and can recover from there.
/// A gap that cannot be filled is announced on the channel as <c>{"offset": n, "epoch": "e", "unrecoverable": true}</c>.
/// </summary>
internal static class SequencedFrames
{
    private sealed record Sequenced(long Offset, string Epoch, RawJson Data);

    private sealed record Gap(long Offset, string Epoch, bool Unrecoverable);

    /// <summary>The frame subscribers get for a publish frame given offset <paramref name="offset"/> in <paramref name="epoch"/>.</summary>
    public static byte[] Wrap(ISocketCodec codec, string channel, byte[] publishFrame, long offset, string epoch) =>
        codec.Encode(OutboundPacket.Publish(channel, new Sequenced(offset, epoch, PublishedData(codec, publishFrame))));

    public static byte[] UnrecoverableMarker(ISocketCodec codec, string channel, long offset, string epoch) =>
        codec.Encode(OutboundPacket.Publish(channel, new Gap(offset, epoch, Unrecoverable: true)));

    /// <summary>The offset and the original data of a wrapped frame.</summary>
    public static (long Offset, RawJson Data) Read(ISocketCodec codec, byte[] frame)
    {
        var wrapped = PublishedData(codec, frame);
        var offset = wrapped.TryGetProperty("offset"u8, out var o) && o.ToElement() is { ValueKind: System.Text.Json.JsonValueKind.Number } n
            ? n.GetInt64()
            : 0;
        return (offset, wrapped.TryGetProperty("data"u8, out var data) ? data : default);
    }

    /// <summary>The epoch and offset of a wrapped frame.</summary>
    public static (string? Epoch, long Offset) Position(ISocketCodec codec, byte[] frame)
    {
        var wrapped = PublishedData(codec, frame);
        var offset = wrapped.TryGetProperty("offset"u8, out var o) && o.ToElement() is { ValueKind: System.Text.Json.JsonValueKind.Number } n
            ? n.GetInt64()
            : 0;
        return (wrapped.TryGetProperty("epoch"u8, out var e) ? e.AsString() : null, offset);
    }

    /// <summary>The <c>data</c> of a <c>#publish</c> frame.</summary>
    public static RawJson PublishedData(ISocketCodec codec, byte[] frame)
    {
        var packets = new List<InboundPacket>(1);
        if (codec.Decode(frame, packets) != FrameKind.Packets || packets.Count != 1) return default;
        return packets[0].Data.TryGetProperty("data"u8, out var data) ? data : default;
    }
}
