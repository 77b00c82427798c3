namespace AGServer.Sockets.Internal;

/// <summary>
/// Publishes of one channel held while the socket recovers it, in arrival order, up to a limit; beyond it they are
/// dropped and the last dropped one kept, so the recovery can announce the gap instead. After the recovery, the
/// <see cref="Seam"/>: the last position it sent, so that a live publication it already sent (one that reaches the
/// socket through its node's broker after the recovery's answer came straight from the channel) is not sent twice.
/// </summary>
internal sealed class HeldPublishes(int limit)
{
    /// <summary>Set once the recovery went out: live publications up to here (same epoch) were sent by it.</summary>
    public (string Epoch, long Offset)? Seam { get; private init; }

    public static HeldPublishes After(string epoch, long offset) => new(0) { Seam = (epoch, offset) };

    public List<byte[]> Frames { get; } = new();

    /// <summary>The last publish dropped because the limit was reached, or null.</summary>
    public byte[]? LastDropped { get; private set; }

    public void Add(byte[] frame)
    {
        if (Frames.Count < limit) Frames.Add(frame);
        else LastDropped = frame;
    }
}
