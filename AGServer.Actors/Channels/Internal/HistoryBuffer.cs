namespace AGServer.Channels.Internal;

/// <summary>
/// A channel's history: the last <c>size</c> publications (as the frames subscribers got), each with its offset and
/// the key of the publish it came from, dropped after <c>ttl</c>. The epoch names this run of offsets; a new one starts
/// whenever the history was lost. The entity keeps the channel's (<see cref="Append"/>); the brokers of the subscribed
/// nodes and the entity's replica keep copies of its tail (<see cref="Put"/>), from which a new incarnation continues
/// after a crash. Plain class, tested directly.
/// </summary>
internal sealed class HistoryBuffer(int size, TimeSpan? ttl)
{
    internal readonly record struct Entry(long Offset, byte[] Frame, long AddedAtMs, PublishKey Key = default);

    private readonly Queue<Entry> _entries = new();

    /// <summary>The offset of each kept publication by its publish's key: a publish sent again is recognised.</summary>
    private readonly Dictionary<PublishKey, long> _offsets = new();

    public string Epoch { get; private set; } = Epochs.New();

    /// <summary>The offset of the latest publication (0 before the first).</summary>
    public long Offset { get; private set; }

    public int Count => _entries.Count;

    /// <summary>The next publication's offset.</summary>
    public long Next => Offset + 1;

    public Entry Append(byte[] frame, long nowMs, PublishKey key = default)
    {
        Offset++;
        var entry = new Entry(Offset, frame, nowMs, key);
        Enqueue(entry);
        Trim(nowMs);
        return entry;
    }

    /// <summary>
    /// A copy's next publication, as the entity numbered it: kept when it follows the latest one; a new epoch or a
    /// gap (this copy missed some) starts the copy again from it; one already kept is ignored (false).
    /// </summary>
    public bool Put(string epoch, Entry entry, long nowMs)
    {
        if (epoch == Epoch && entry.Offset <= Offset) return false;
        if (epoch != Epoch || entry.Offset != Offset + 1) Clear();
        Epoch = epoch;
        Offset = entry.Offset;
        Enqueue(entry);
        Trim(nowMs);
        return true;
    }

    /// <summary>The offset <paramref name="key"/>'s publish was given, if it is still kept.</summary>
    public bool TryGetOffset(PublishKey key, out long offset) => _offsets.TryGetValue(key, out offset);

    /// <summary>Drops publications older than the TTL.</summary>
    public void Trim(long nowMs)
    {
        if (ttl is not { } keep) return;
        while (_entries.TryPeek(out var oldest) && nowMs - oldest.AddedAtMs > keep.TotalMilliseconds) Dequeue();
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

    /// <summary>
    /// Takes in another copy of this history: a handed-off history, or a copy kept elsewhere. Taken whole when this one
    /// has sequenced nothing yet; merged when it is of the same epoch (the longest unbroken run of offsets that ends at
    /// the latest either has: a copy that starts later cannot cut off what this one keeps); ignored when of another
    /// epoch. False when nothing changed.
    /// </summary>
    public bool Adopt(string epoch, long offset, IEnumerable<Entry> entries)
    {
        if (Offset == 0)
        {
            Clear();
            Epoch = epoch;
            Offset = offset;
            foreach (var entry in entries) Enqueue(entry);
            return true;
        }
        if (epoch != Epoch) return false;
        var byOffset = _entries.ToDictionary(e => e.Offset);
        var added = false;
        foreach (var entry in entries) added |= byOffset.TryAdd(entry.Offset, entry);
        if (!added && offset <= Offset) return false;
        var latest = Math.Max(Offset, offset);
        var first = latest;
        while (byOffset.ContainsKey(first - 1) && latest - first + 1 < size) first--;
        Clear();
        Offset = latest;
        for (var at = first; at <= latest; at++)
            if (byOffset.TryGetValue(at, out var entry)) Enqueue(entry);
        return true;
    }

    /// <summary>Drops the history and starts a new epoch at offset 0: what subscribers hold of the old one is unrecoverable.</summary>
    public void StartEpoch()
    {
        Clear();
        Epoch = Epochs.New(after: Epoch);
        Offset = 0;
    }

    private void Enqueue(Entry entry)
    {
        _entries.Enqueue(entry);
        if (entry.Key.IsSome) _offsets[entry.Key] = entry.Offset;
        while (_entries.Count > size) Dequeue();
    }

    private void Dequeue()
    {
        var dropped = _entries.Dequeue();
        if (dropped.Key.IsSome) _offsets.Remove(dropped.Key);
    }

    private void Clear()
    {
        _entries.Clear();
        _offsets.Clear();
    }
}

/// <summary>
/// Names one publish on a channel with history, for as long as its publishing broker may send it again: the
/// broker's node incarnation and the broker's count. The entity gives a publish it already numbered the same offset.
/// </summary>
internal readonly record struct PublishKey(long Node, long Sequence)
{
    public bool IsSome => Node != 0 || Sequence != 0;
}
