namespace AGServer.Sockets.Internal;

/// <summary>
/// Publishes of one channel held while the socket recovers it, in arrival order, up to a limit; beyond it they are
/// dropped and the last dropped one kept, so the recovery can announce the gap instead.
/// </summary>
internal sealed class HeldPublishes(int limit)
{
    public List<byte[]> Frames { get; } = new();

    /// <summary>The last publish dropped because the limit was reached, or null.</summary>
    public byte[]? LastDropped { get; private set; }

    public void Add(byte[] frame)
    {
        if (Frames.Count < limit) Frames.Add(frame);
        else LastDropped = frame;
    }
}
