namespace AGServer.Streams.Internal;

/// <summary>Told when a consumer of a stream died by failure.</summary>
internal interface IConsumerFailures
{
    /// <summary><paramref name="leftovers"/> are what the consumer held or had queued: settle them with an error, log.</summary>
    void ConsumerFailed(string stream, Exception cause, IReadOnlyList<object> leftovers);
}
