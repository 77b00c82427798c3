namespace AGServer.Channels.Internal;

/// <summary>
/// A channel entity's history: the last <c>size</c> publications (as the frames subscribers got), each with its offset,
/// dropped after <c>ttl</c>. The epoch names this run of offsets; a new one starts whenever the history was lost.
/// Plain class, tested directly.
/// </summary>
internal sealed class HistoryBuffer(int size, TimeSpan? ttl)
{
    internal readonly record struct Entry(long Offset, byte[] Frame, long AddedAtMs);

    private readonly Queue<Entry> _entries = new();

    public string Epoch { get; private set; } = NewEpoch();

    /// <summary>The offset of the latest publication (0 before the first).</summary>
    public long Offset { get; private set; }

    public int Count => _entries.Count;

    public static string NewEpoch() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>The next publication's offset.</summary>
    public long Next => Offset + 1;

    public void Append(byte[] frame, long nowMs)
    {
        Offset++;
        _entries.Enqueue(new Entry(Offset, frame, nowMs));
        while (_entries.Count > size) _entries.Dequeue();
        Trim(nowMs);
    }

    /// <summary>Drops publications older than the TTL.</summary>
    public void Trim(long nowMs)
    {
        if (ttl is not { } keep) return;
        while (_entries.TryPeek(out var oldest) && nowMs - oldest.AddedAtMs > keep.TotalMilliseconds) _entries.Dequeue();
    }

    /// <summary>
    /// The publications after <paramref name="since"/> of <paramref name="epoch"/>, oldest first; null when they cannot
    /// all be given (another epoch, or some were dropped).
    /// </summary>
    public Entry[]? Since(string epoch, long since, long nowMs)
    {
        Trim(nowMs);
        if (epoch != Epoch || since > Offset) return null;
        var firstKept = _entries.TryPeek(out var oldest) ? oldest.Offset : Offset + 1;
        if (since + 1 < firstKept) return null;
        return _entries.Where(e => e.Offset > since).ToArray();
    }

    /// <summary>The newest <paramref name="limit"/> publications, oldest first.</summary>
    public Entry[] Latest(int limit, long nowMs)
    {
        Trim(nowMs);
        return _entries.Skip(Math.Max(0, _entries.Count - limit)).ToArray();
    }

    public Entry[] All => _entries.ToArray();

    /// <summary>Takes over a handed-off history (same epoch and offsets), when this one has none of its own yet.</summary>
    public bool Adopt(string epoch, long offset, IEnumerable<Entry> entries)
    {
        if (Offset != 0) return false;
        Epoch = epoch;
        Offset = offset;
        _entries.Clear();
        foreach (var entry in entries) _entries.Enqueue(entry);
        return true;
    }
}
