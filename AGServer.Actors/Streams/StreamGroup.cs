using AGServer.Streams.Internal;

namespace AGServer.Streams;

/// <summary>
/// A set of named <see cref="EventStream{T}"/>s (socketcluster's StreamDemux): the listeners, receivers or
/// procedures of a server or socket. Streams are created on first use. Thread-safe.
/// </summary>
internal sealed class StreamGroup
{
    private readonly IConsumerFailures? _failures;
    private Action<string>? _consumerAttached;

    public StreamGroup()
    {
    }

    private readonly bool _dropStale;

    /// <param name="failures">Where a consumer's failure is reported, or null.</param>
    /// <param name="limit">Items one consumer may have waiting.</param>
    /// <param name="dropStale">
    /// Drop requests and messages of sockets that closed before a consumer took them (server-wide streams: work for a
    /// client that has gone). Per-socket streams keep them, so that a closed socket's backlog is delivered as
    /// socketcluster-server's close cleanup promises.
    /// </param>
    internal StreamGroup(IConsumerFailures? failures, int limit, bool dropStale = false)
    {
        _failures = failures;
        _limit = limit;
        _dropStale = dropStale;
    }

    private readonly int _limit = int.MaxValue;

    /// <summary>Called with a stream's name whenever a consumer attaches to it (during materialisation).</summary>
    internal Action<string>? ConsumerAttached
    {
        set => Volatile.Write(ref _consumerAttached, value);
    }

    private StreamTable _streams = StreamTable.Empty;

    /// <summary>The streams that exist (a snapshot: read without a lock).</summary>
    private StreamTable Existing => Volatile.Read(ref _streams);

    /// <summary>The stream called <paramref name="name"/>, created on first use.</summary>
    internal EventStream<T> Stream<T>(string name)
    {
        IEventStream stream;
        while (true)
        {
            var table = Existing;
            if (table.TryGetValue(name, out stream)) break;
            // Two threads adding at once: one table wins, the other thread looks again (and finds the stream or adds its own).
            var made = new EventStream<T>(name, _failures, OnConsumerAttached, _dropStale, _limit);
            if (Interlocked.CompareExchange(ref _streams, table.With(name, made), table) != table) continue;
            stream = made;
            break;
        }
        var typed = stream as EventStream<T>
                    ?? throw new InvalidOperationException($"Stream '{name}' carries {stream.GetType().GenericTypeArguments[0].Name}, not {typeof(T).Name}");
        // Made after End looked at the streams: ended like them. (End sets the flag before it looks.)
        if (Volatile.Read(ref _ended) is var ended and not Open) typed.End(ended == Killed);
        return typed;
    }

    private const int Open = 0, Closed = 1, Killed = 2;
    private int _ended = Open;

    /// <summary>
    /// Ends every stream of the group for good (a closed socket's): consumers are closed (or killed), and so is any
    /// consumer of any stream of the group that comes later. <see cref="CloseAll"/> and <see cref="KillAll"/> leave the
    /// streams open to new consumers.
    /// </summary>
    internal void End(bool kill)
    {
        Interlocked.CompareExchange(ref _ended, kill ? Killed : Closed, Open);
        var ended = Volatile.Read(ref _ended);
        foreach (var stream in Existing.Streams) stream.End(ended == Killed);
    }

    /// <summary>Emits to the named stream if anyone consumes it; otherwise does nothing.</summary>
    public void Emit<T>(string name, T item)
    {
        // A stream made for another item type (a caller asked for the name with the wrong type) gets nothing, rather
        // than the emitter an InvalidCastException.
        if (Existing.TryGetValue(name, out var stream) && stream is EventStream<T> { HasConsumers: true } typed) typed.Emit(item);
    }

    private void OnConsumerAttached(string name) => Volatile.Read(ref _consumerAttached)?.Invoke(name);

    /// <summary>True when the named stream's consumers all left by failing (see <see cref="EventStream{T}"/>).</summary>
    internal bool LostConsumerToFailure(string name) =>
        Existing.TryGetValue(name, out var stream) && stream is IFailureAware { LostConsumerToFailure: true };

    /// <summary>True when the named stream has had a consumer at some time.</summary>
    internal bool HadConsumer(string name) => Existing.TryGetValue(name, out var stream) && stream is IFailureAware { HadConsumer: true };

    /// <summary>The named stream when it has a consumer, else null (nothing is created).</summary>
    internal EventStream<T>? Live<T>(string name) =>
        Existing.TryGetValue(name, out var stream) && stream.HasConsumers ? (EventStream<T>)stream : null;

    /// <summary>True when the named stream has a consumer.</summary>
    public bool HasConsumers(string name) => Existing.TryGetValue(name, out var stream) && stream.HasConsumers;

    public void Close(string name)
    {
        if (Existing.TryGetValue(name, out var stream)) stream.Close();
    }

    public void CloseAll()
    {
        foreach (var stream in Existing.Streams) stream.Close();
    }

    public void Kill(string name)
    {
        if (Existing.TryGetValue(name, out var stream)) stream.Kill();
    }

    public void KillAll()
    {
        foreach (var stream in Existing.Streams) stream.Kill();
    }

    public bool KillConsumer(long consumerId) => Existing.Streams.Any(s => s.KillConsumer(consumerId));

    public int GetBackpressure(string name) => Existing.TryGetValue(name, out var stream) ? stream.Backpressure : 0;

    public int GetBackpressureAll()
    {
        var max = 0;
        foreach (var stream in Existing.Streams) max = Math.Max(max, stream.Backpressure);
        return max;
    }

    public ConsumerStats? GetConsumerStats(long consumerId) =>
        Existing.Streams.SelectMany(s => s.ConsumerStats).FirstOrDefault(c => c.Id == consumerId);

    public int GetConsumerBackpressure(long consumerId) => GetConsumerStats(consumerId)?.Backpressure ?? 0;

    public IReadOnlyList<ConsumerStats> GetConsumerStatsList(string name) =>
        Existing.TryGetValue(name, out var stream) ? stream.ConsumerStats : [];

    public IReadOnlyList<ConsumerStats> GetConsumerStatsListAll() =>
        Existing.Streams.SelectMany(s => s.ConsumerStats).ToArray();

    public bool HasConsumer(string name, long consumerId) =>
        Existing.TryGetValue(name, out var stream) && stream.HasConsumer(consumerId);

    public bool HasConsumerAll(long consumerId) => Existing.Streams.Any(s => s.HasConsumer(consumerId));
}
