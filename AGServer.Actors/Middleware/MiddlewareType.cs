namespace AGServer.Middleware;

/// <summary>The four middleware types of socketcluster-server, by their names.</summary>
public static class MiddlewareType
{
    /// <summary>One stream per connection attempt: <see cref="ActionType.HandshakeWs"/> then <see cref="ActionType.HandshakeSc"/>.</summary>
    public const string Handshake = "handshake";

    /// <summary>One stream per socket: every inbound frame as a <see cref="ActionType.Message"/>.</summary>
    public const string InboundRaw = "inboundRaw";

    /// <summary>One stream per socket: transmit, invoke, subscribe, publishIn and authenticate actions.</summary>
    public const string Inbound = "inbound";

    /// <summary>One stream per socket: every publish delivered to it, as <see cref="ActionType.PublishOut"/>.</summary>
    public const string Outbound = "outbound";

    public static readonly IReadOnlyList<string> All = [Handshake, InboundRaw, Inbound, Outbound];
}

/// <summary>The kinds of <see cref="AGAction"/>, by socketcluster-server's names.</summary>
public static class ActionType
{
    public const string HandshakeWs = "handshakeWS";
    public const string HandshakeSc = "handshakeSC";
    public const string Message = "message";
    public const string Transmit = "transmit";
    public const string Invoke = "invoke";
    public const string Subscribe = "subscribe";
    public const string PublishIn = "publishIn";
    public const string PublishOut = "publishOut";
    public const string Authenticate = "authenticate";
}
