using System.Collections.Concurrent;

namespace AGServer.Streams;

/// <summary>
/// A set of named <see cref="EventStream{T}"/>s (socketcluster's StreamDemux): the listeners, receivers or
/// procedures of a server or socket. Streams are created on first use. Thread-safe.
/// </summary>
public sealed class StreamGroup
{
    private readonly ConcurrentDictionary<string, IEventStream> _streams = new();

    /// <summary>The stream called <paramref name="name"/>, created on first use.</summary>
    public EventStream<T> Stream<T>(string name)
    {
        var stream = _streams.GetOrAdd(name, static n => new EventStream<T>(n));
        return stream as EventStream<T>
               ?? throw new InvalidOperationException($"Stream '{name}' carries {stream.GetType().GenericTypeArguments[0].Name}, not {typeof(T).Name}");
    }

    /// <summary>Emits to the named stream if anyone consumes it; otherwise does nothing.</summary>
    public void Emit<T>(string name, T item)
    {
        if (_streams.TryGetValue(name, out var stream) && stream.HasConsumers) ((EventStream<T>)stream).Emit(item);
    }

    /// <summary>True when the named stream has a consumer.</summary>
    public bool HasConsumers(string name) => _streams.TryGetValue(name, out var stream) && stream.HasConsumers;

    public void Close(string name)
    {
        if (_streams.TryGetValue(name, out var stream)) stream.Close();
    }

    public void CloseAll()
    {
        foreach (var stream in _streams.Values) stream.Close();
    }

    public void Kill(string name)
    {
        if (_streams.TryGetValue(name, out var stream)) stream.Kill();
    }

    public void KillAll()
    {
        foreach (var stream in _streams.Values) stream.Kill();
    }

    public bool KillConsumer(long consumerId) => _streams.Values.Any(s => s.KillConsumer(consumerId));

    public int GetBackpressure(string name) => _streams.TryGetValue(name, out var stream) ? stream.Backpressure : 0;

    public int GetBackpressureAll()
    {
        var max = 0;
        foreach (var stream in _streams.Values) max = Math.Max(max, stream.Backpressure);
        return max;
    }

    public ConsumerStats? GetConsumerStats(long consumerId) =>
        _streams.Values.SelectMany(s => s.ConsumerStats).FirstOrDefault(c => c.Id == consumerId);

    public int GetConsumerBackpressure(long consumerId) => GetConsumerStats(consumerId)?.Backpressure ?? 0;

    public IReadOnlyList<ConsumerStats> GetConsumerStatsList(string name) =>
        _streams.TryGetValue(name, out var stream) ? stream.ConsumerStats : [];

    public IReadOnlyList<ConsumerStats> GetConsumerStatsListAll() =>
        _streams.Values.SelectMany(s => s.ConsumerStats).ToArray();

    public bool HasConsumer(string name, long consumerId) =>
        _streams.TryGetValue(name, out var stream) && stream.HasConsumer(consumerId);

    public bool HasConsumerAll(long consumerId) => _streams.Values.Any(s => s.HasConsumer(consumerId));
}
