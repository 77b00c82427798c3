namespace AGServer.Streams.Internal;

/// <summary>
/// A stream group's streams by name: an immutable snapshot, replaced whole when a stream is added (rare: once per name),
/// read without a lock (every emit). A few streams, as a socket has, are two small arrays searched in order (about 100
/// bytes, where a concurrent dictionary costs about 400); more, as a server's procedures may be, also get an index.
/// </summary>
internal sealed class StreamTable
{
    private const int IndexFrom = 8;

    public static readonly StreamTable Empty = new([], []);

    private readonly string[] _names;
    private readonly Dictionary<string, IEventStream>? _index;

    private StreamTable(string[] names, IEventStream[] streams)
    {
        _names = names;
        Streams = streams;
        if (names.Length >= IndexFrom)
        {
            _index = new Dictionary<string, IEventStream>(names.Length, StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++) _index[names[i]] = streams[i];
        }
    }

    /// <summary>Every stream, in the order they were added.</summary>
    public IEventStream[] Streams { get; }

    public bool TryGetValue(string name, out IEventStream stream)
    {
        if (_index is not null) return _index.TryGetValue(name, out stream!);
        var names = _names;
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                stream = Streams[i];
                return true;
            }
        }
        stream = null!;
        return false;
    }

    /// <summary>A new table with <paramref name="stream"/> added under <paramref name="name"/> (not already present).</summary>
    public StreamTable With(string name, IEventStream stream) => new([.. _names, name], [.. Streams, stream]);
}
