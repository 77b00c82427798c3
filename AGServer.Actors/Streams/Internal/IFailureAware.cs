namespace AGServer.Streams.Internal;

/// <summary>The non-generic view of whether a stream lost its consumers to failures.</summary>
internal interface IFailureAware
{
    bool LostConsumerToFailure { get; }
}
