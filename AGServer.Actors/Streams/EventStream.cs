using Akka;
using Akka.Streams.Dsl;
using AGServer.Streams.Internal;

namespace AGServer.Streams;

/// <summary>Counters of one consumer of an <see cref="EventStream{T}"/>, as socketcluster-server reports them.</summary>
public sealed record ConsumerStats(long Id, string Stream, int Backpressure);

/// <summary>The non-generic side of an <see cref="EventStream{T}"/>: management and statistics.</summary>
internal interface IEventStream
{
    string Name { get; }
    /// <summary>True while at least one consumer is running.</summary>
    bool HasConsumers { get; }
    /// <summary>The largest number of items waiting in any one consumer.</summary>
    int Backpressure { get; }
    IReadOnlyList<ConsumerStats> ConsumerStats { get; }
    /// <summary>Ends every consumer once it has taken the items already emitted.</summary>
    void Close();
    /// <summary>Ends every consumer at once, dropping what it had not taken yet.</summary>
    void Kill();
    bool KillConsumer(long consumerId);
    bool HasConsumer(long consumerId);
    /// <summary>Ends the stream for good: its consumers, and any that come later, are closed (or killed).</summary>
    internal void End(bool kill);
}

/// <summary>
/// A broadcast stream of events with any number of consumers. Each materialisation of <see cref="Source"/>
/// is one consumer; it sees every item emitted after it was materialised, in emit order, buffered while it is slow
/// (that buffer is its backpressure) up to the server's <c>StreamBufferLimit</c>; beyond it new items are refused (see
/// the options). Emitting with no consumer costs one volatile read.
/// Thread-safe: any thread may emit, close or kill.
/// </summary>
internal sealed class EventStream<T> : IEventStream, IFailureAware
{
    private readonly object _gate = new();
    private readonly IConsumerFailures? _failures;
    private readonly Action<string>? _consumerAttached;
    private StreamConsumer<T>[] _consumers = [];
    private volatile bool _hadConsumer;
    private volatile bool _lostConsumerToFailure;

    public EventStream(string name) : this(name, null, null)
    {
    }

    internal EventStream(string name, IConsumerFailures? failures, Action<string>? consumerAttached, bool dropStale = false,
        int limit = StreamConsumer<T>.Unbounded)
    {
        Name = name;
        DropStale = dropStale;
        Limit = limit;
        _failures = failures;
        _consumerAttached = consumerAttached;
    }

    public string Name { get; }

    /// <summary>A source of this stream's items. Materialise it once per consumer.</summary>
    public Source<T, NotUsed> Source => Akka.Streams.Dsl.Source.FromGraph(new EventStreamSource<T>(this));

    public bool HasConsumers => Volatile.Read(ref _consumers).Length > 0;

    /// <summary>
    /// Hands <paramref name="item"/> to every consumer; false when there was none (the last one may have gone since the
    /// caller looked): a socket's item is then the caller's to give back or hand elsewhere.
    /// </summary>
    public bool Emit(T item)
    {
        var consumers = Volatile.Read(ref _consumers);
        for (var i = 0; i < consumers.Length; i++) consumers[i].Enqueue(item);
        return consumers.Length > 0;
    }

    public int Backpressure
    {
        get
        {
            var max = 0;
            foreach (var consumer in Volatile.Read(ref _consumers)) max = Math.Max(max, consumer.Backpressure);
            return max;
        }
    }

    public IReadOnlyList<ConsumerStats> ConsumerStats =>
        Volatile.Read(ref _consumers).Select(c => new ConsumerStats(c.Id, Name, c.Backpressure)).ToArray();

    public void Close()
    {
        foreach (var consumer in Detach(_ => true)) consumer.Close();
    }

    public void Kill()
    {
        foreach (var consumer in Detach(_ => true)) consumer.Kill();
    }

    private const int Open = 0, Closed = 1, Killed = 2;
    private int _ended = Open;

    /// <summary>
    /// Ends the stream for good, as a closed socket's streams end: its consumers are closed (or killed), and so is any
    /// consumer that attaches later, at once. Without this, a stream an application starts on a socket that has just
    /// closed would wait forever, and its materialised Akka stream (an actor) with it.
    /// </summary>
    internal void End(bool kill)
    {
        StreamConsumer<T>[] detached;
        lock (_gate)
        {
            if (_ended == Open) _ended = kill ? Killed : Closed;
            detached = _consumers;
            _consumers = [];
        }
        foreach (var consumer in detached) Finish(consumer, _ended);
    }

    void IEventStream.End(bool kill) => End(kill);

    private static void Finish(StreamConsumer<T> consumer, int ended)
    {
        if (ended == Killed) consumer.Kill();
        else consumer.Close();
    }

    public bool KillConsumer(long consumerId)
    {
        var detached = Detach(c => c.Id == consumerId);
        foreach (var consumer in detached) consumer.Kill();
        return detached.Length > 0;
    }

    public bool HasConsumer(long consumerId) => Volatile.Read(ref _consumers).Any(c => c.Id == consumerId);

    /// <summary>Most items one consumer may have waiting (<see cref="Server.AGServerOptions.StreamBufferLimit"/>).</summary>
    internal int Limit { get; }

    /// <summary>A new consumer of this stream, with its bound and overflow policy.</summary>
    internal StreamConsumer<T> NewConsumer() => new(Name, Limit, DropStale, _failures);

    /// <summary>Items of sockets that closed before a consumer took them are dropped rather than handed on.</summary>
    internal bool DropStale { get; }

    /// <summary>True once any consumer has attached, even if none is left.</summary>
    internal bool HadConsumer => _hadConsumer;

    /// <summary>True when the last consumer left because it failed (and no new one attached since).</summary>
    internal bool LostConsumerToFailure => _lostConsumerToFailure && !HasConsumers;

    bool IFailureAware.LostConsumerToFailure => LostConsumerToFailure;

    bool IFailureAware.HadConsumer => HadConsumer;

    internal void Attach(StreamConsumer<T> consumer)
    {
        int ended;
        lock (_gate)
        {
            ended = _ended;
            if (ended == Open)
            {
                _consumers = [.. _consumers, consumer];
                _hadConsumer = true;
                _lostConsumerToFailure = false;
            }
        }
        if (ended != Open)
        {
            Finish(consumer, ended);
            return;
        }
        _consumerAttached?.Invoke(Name);
    }

    /// <summary>A consumer died with <paramref name="cause"/>, leaving <paramref name="leftovers"/> unsettled.</summary>
    internal void ReportConsumerFailure(Exception cause, IReadOnlyList<object> leftovers)
    {
        _lostConsumerToFailure = true;
        _failures?.ConsumerFailed(Name, cause, leftovers);
    }

    internal void Remove(StreamConsumer<T> consumer) => Detach(c => ReferenceEquals(c, consumer));

    private StreamConsumer<T>[] Detach(Func<StreamConsumer<T>, bool> match)
    {
        lock (_gate)
        {
            var detached = _consumers.Where(match).ToArray();
            if (detached.Length > 0) _consumers = _consumers.Where(c => !match(c)).ToArray();
            return detached;
        }
    }
}
