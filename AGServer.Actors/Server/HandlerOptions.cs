namespace AGServer.Server;

/// <summary>How a handler mapped with <c>MapProcedure</c> or <c>MapReceiver</c> runs.</summary>
/// <param name="MaxConcurrency">
/// Most calls of the handler running at once, across all sockets. Calls start in the order their packets arrived;
/// with 1 (the default) each finishes before the next starts, so every socket's requests are handled in order. With
/// more, calls overlap and a later request (even of the same socket) may finish first.
/// </param>
public sealed record HandlerOptions(int MaxConcurrency = 1)
{
    public static readonly HandlerOptions Default = new();

    internal void Validate()
    {
        if (MaxConcurrency <= 0)
            throw new Protocol.InvalidArgumentsError($"HandlerOptions.MaxConcurrency must be 1 or more (got {MaxConcurrency}).");
    }
}
