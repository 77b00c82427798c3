namespace AGServer.Middleware;

/// <summary>The four middleware types of socketcluster-server (its <c>MIDDLEWARE_*</c> constants).</summary>
public enum MiddlewareType
{
    /// <summary>One stream per connection attempt: <see cref="ActionType.HandshakeWs"/> then <see cref="ActionType.HandshakeSc"/>.</summary>
    Handshake,

    /// <summary>One stream per socket: every inbound frame as a <see cref="ActionType.Message"/>.</summary>
    InboundRaw,

    /// <summary>One stream per socket: transmit, invoke, subscribe, publishIn and authenticate actions.</summary>
    Inbound,

    /// <summary>One stream per socket: every publish delivered to it, as <see cref="ActionType.PublishOut"/>.</summary>
    Outbound,
}

/// <summary>The kinds of <see cref="AGAction"/> (socketcluster-server's <c>AGAction</c> constants).</summary>
public enum ActionType
{
    HandshakeWs,
    HandshakeSc,
    Message,
    Transmit,
    Invoke,
    Subscribe,
    PublishIn,
    PublishOut,
    Authenticate,
}

/// <summary>The names socketcluster-server gives middleware and action types, as they appear in its error messages.</summary>
internal static class MiddlewareNames
{
    public static string ToSocketClusterName(this MiddlewareType type) => type switch
    {
        MiddlewareType.Handshake => "handshake",
        MiddlewareType.InboundRaw => "inboundRaw",
        MiddlewareType.Inbound => "inbound",
        MiddlewareType.Outbound => "outbound",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a middleware type"),
    };

    public static string ToSocketClusterName(this ActionType type) => type switch
    {
        ActionType.HandshakeWs => "handshakeWS",
        ActionType.HandshakeSc => "handshakeSC",
        ActionType.Message => "message",
        ActionType.Transmit => "transmit",
        ActionType.Invoke => "invoke",
        ActionType.Subscribe => "subscribe",
        ActionType.PublishIn => "publishIn",
        ActionType.PublishOut => "publishOut",
        ActionType.Authenticate => "authenticate",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an action type"),
    };
}
