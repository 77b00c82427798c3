namespace AGServer.Streams.Internal;

/// <summary>Told when a consumer of a stream died by failure.</summary>
internal interface IConsumerFailures
{
    /// <summary><paramref name="leftovers"/> are what the consumer held or had queued: settle them with an error, log.</summary>
    void ConsumerFailed(string stream, Exception cause, IReadOnlyList<object> leftovers);

    /// <summary>A consumer of <paramref name="stream"/> reached its <paramref name="limit"/>: new items are refused until it drains.</summary>
    void Overflowed(string stream, int limit);
}
