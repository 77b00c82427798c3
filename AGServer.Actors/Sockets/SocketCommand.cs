using AGServer.Protocol;

namespace AGServer.Sockets;

/// <summary>
/// The socket actor protocol: a message an application actor may <c>Tell</c> a socket's actor
/// (<see cref="AGServerSocket.ActorRef"/>, <see cref="ActorRequest.Socket"/>), or send by socket id or user id anywhere
/// in the cluster (<c>server.Sockets.Tell</c>, <c>server.Users.Tell</c>). Each does what the facade method of the same
/// name does. A socket handles its commands one at a time in the order it receives them, so the frames they produce
/// leave in that order; frames sent through the facade (<c>socket.Transmit</c>) from other threads leave in call order
/// and may come between them. A command for a socket that has closed goes to dead letters. Made by the static methods;
/// immutable, and serializable across nodes.
/// </summary>
public sealed class SocketCommand : Internal.ISocketCommand
{
    private SocketCommand(SocketCommandKind kind) => Kind = kind;

    internal SocketCommandKind Kind { get; }

    /// <summary>The event of a transmit or an invoke.</summary>
    internal string Event { get; private init; } = "";

    /// <summary>A transmit's or an invoke's data, a kick-out's message, a token's payload.</summary>
    internal object? Data { get; private init; }

    internal int? AckTimeoutMilliseconds { get; private init; }

    internal string? CorrelationId { get; private init; }

    internal int Code { get; private init; }

    /// <summary>A disconnect's reason.</summary>
    internal string? Reason { get; private init; }

    /// <summary>A kick-out's channel (null: every channel).</summary>
    internal string? Channel { get; private init; }

    /// <summary>A token's lifetime in seconds (null: the server's default).</summary>
    internal int? ExpiresIn { get; private init; }

    /// <summary>Sends the client a fire-and-forget event (socketcluster-server's transmit).</summary>
    public static SocketCommand Transmit(string @event, object? data = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@event);
        return new(SocketCommandKind.Transmit) { Event = @event, Data = data };
    }

    /// <summary>
    /// Calls procedure <paramref name="event"/> on the client. The sender gets an <see cref="InvokeReply"/>: the
    /// client's answer, or its <see cref="InvokeReply.Error"/> (the client's error, <c>TimeoutError</c> after
    /// <paramref name="ackTimeout"/> or the server's AckTimeout, <c>BadConnectionError</c> when the socket closes
    /// first). <paramref name="correlationId"/> comes back in the reply.
    /// </summary>
    public static SocketCommand Invoke(string @event, object? data = null, TimeSpan? ackTimeout = null, string? correlationId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@event);
        if (ackTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(ackTimeout), timeout, "An ack timeout must be positive and at most int.MaxValue milliseconds.");
        return new(SocketCommandKind.Invoke)
        {
            Event = @event, Data = data, CorrelationId = correlationId,
            AckTimeoutMilliseconds = ackTimeout is { } t ? Math.Max(1, (int)t.TotalMilliseconds) : null,
        };
    }

    /// <summary>Closes the socket with a code and reason.</summary>
    public static SocketCommand Disconnect(int code = CloseCodes.Normal, string? reason = null) =>
        new(SocketCommandKind.Disconnect) { Code = code, Reason = reason };

    /// <summary>Unsubscribes the socket from <paramref name="channel"/> (every channel when null), telling the client with <c>#kickOut</c>.</summary>
    public static SocketCommand KickOut(string? channel = null, object? message = null) =>
        new(SocketCommandKind.KickOut) { Channel = channel, Data = message };

    /// <summary>Signs <paramref name="payload"/> as the socket's auth token, valid <paramref name="expiresIn"/> seconds, and sends it to the client (setAuthToken).</summary>
    public static SocketCommand SetAuthToken(object payload, int? expiresIn = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return new(SocketCommandKind.SetAuthToken) { Data = payload, ExpiresIn = expiresIn };
    }

    /// <summary>Unauthenticates the socket and tells the client to drop its token (deauthenticate).</summary>
    public static SocketCommand RemoveAuthToken { get; } = new(SocketCommandKind.RemoveAuthToken);

    public override string ToString() => Kind switch
    {
        SocketCommandKind.Transmit or SocketCommandKind.Invoke => $"{Kind}({Event})",
        SocketCommandKind.Disconnect => $"Disconnect({Code})",
        SocketCommandKind.KickOut => $"KickOut({Channel ?? "*"})",
        _ => Kind.ToString(),
    };

    /// <summary>Rebuilds a command read on another node (the serializer's side of the factories above).</summary>
    internal static SocketCommand Read(SocketCommandKind kind, string? @event, object? data, int? ackTimeoutMilliseconds,
        string? correlationId, int? code, string? reason, string? channel, int? expiresIn) =>
        kind == SocketCommandKind.RemoveAuthToken ? RemoveAuthToken : new(kind)
        {
            Event = @event ?? "", Data = data, AckTimeoutMilliseconds = ackTimeoutMilliseconds, CorrelationId = correlationId,
            Code = code ?? CloseCodes.Normal, Reason = reason, Channel = channel, ExpiresIn = expiresIn,
        };
}

internal enum SocketCommandKind
{
    Transmit,
    Invoke,
    Disconnect,
    KickOut,
    SetAuthToken,
    RemoveAuthToken,
}
