namespace AGServer.Server;

/// <summary>How a handler mapped with <c>MapProcedure</c>, <c>MapReceiver</c> or a middleware delegate runs.</summary>
public sealed record HandlerOptions
{
    public static readonly HandlerOptions Default = new();

    /// <summary>
    /// Most calls of the handler running at once, across all sockets (default 64). Requests beyond wait in the
    /// handler's stream (<see cref="AGServerOptions.StreamBufferLimit"/>), and their sockets stop being read when they
    /// reach their own limits. 1 makes the handler strictly sequential, as a <c>for await</c> loop in socketcluster-server.
    /// </summary>
    public int MaxConcurrency { get; init; } = 64;

    /// <summary>
    /// True (the default): each socket's calls run one at a time, in the order the socket sent them, while sockets run
    /// in parallel. False: calls start in arrival order and overlap freely, even two of the same socket (which may
    /// finish in either order).
    /// </summary>
    public bool InOrderPerSocket { get; init; } = true;

    internal void Validate()
    {
        if (MaxConcurrency <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "HandlerOptions.MaxConcurrency must be 1 or more.");
    }
}
