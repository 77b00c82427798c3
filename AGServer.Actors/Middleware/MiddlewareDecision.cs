namespace AGServer.Middleware;

/// <summary>What a middleware delegate decides for an action: allow it, allow it with other data, or block it.</summary>
public readonly record struct MiddlewareDecision
{
    private MiddlewareDecision(bool allowed, bool replaced, object? data, Exception? error)
    {
        IsAllowed = allowed;
        ReplacesData = replaced;
        Data = data;
        Error = error;
    }

    public bool IsAllowed { get; }

    /// <summary>True when the action goes on with <see cref="Data"/> instead of its own.</summary>
    public bool ReplacesData { get; }

    public object? Data { get; }

    /// <summary>The error the client gets for a block (null: a SilentMiddlewareBlockedError).</summary>
    public Exception? Error { get; }

    /// <summary>The action goes on unchanged.</summary>
    public static MiddlewareDecision Allow { get; } = new(true, false, null, null);

    /// <summary>The action goes on with <paramref name="data"/> in place of its own (<see cref="AGAction.Allow(object?)"/>).</summary>
    public static MiddlewareDecision AllowWith(object? data) => new(true, true, data, null);

    /// <summary>The action is refused; the client gets <paramref name="error"/> (or a SilentMiddlewareBlockedError).</summary>
    public static MiddlewareDecision Block(Exception? error = null) => new(false, false, null, error);

    internal void ApplyTo(AGAction action)
    {
        if (!IsAllowed) action.Block(Error);
        else if (ReplacesData) action.Allow(Data);
        else action.Allow();
    }
}
