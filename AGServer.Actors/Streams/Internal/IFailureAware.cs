namespace AGServer.Streams.Internal;

/// <summary>The non-generic view of a stream's consumer history: whether it ever had one, and lost them to failures.</summary>
internal interface IFailureAware
{
    bool LostConsumerToFailure { get; }

    bool HadConsumer { get; }
}
