using AGServer.Protocol;
using AGServer.Streams;

namespace AGServer.Sockets;

/// <summary>
/// A socket's listener streams, by socketcluster-server's event names. The events the server also emits (connect,
/// disconnect, subscribe, authenticate, ...) carry their <c>Socket</c>: the server's listener streams
/// (<see cref="Server.ServerEvents"/>) get the same records.
/// </summary>
public static class SocketEvents
{
    public static readonly ListenerName<ErrorEvent> Error = new("error");
    public static readonly ListenerName<MessageEvent> Message = new("message");

    /// <summary>An inbound frame that is not a SocketCluster packet.</summary>
    public static readonly ListenerName<MessageEvent> Raw = new("raw");

    public static readonly ListenerName<ConnectEvent> Connect = new("connect");

    /// <summary>The socket closed before its handshake finished.</summary>
    public static readonly ListenerName<CloseEvent> ConnectAbort = new("connectAbort");

    /// <summary>The socket closed after its handshake.</summary>
    public static readonly ListenerName<CloseEvent> Disconnect = new("disconnect");

    /// <summary>The socket closed, in either state (after connectAbort or disconnect).</summary>
    public static readonly ListenerName<CloseEvent> Close = new("close");
    public static readonly ListenerName<SubscriptionEvent> Subscribe = new("subscribe");
    public static readonly ListenerName<SubscriptionEvent> Unsubscribe = new("unsubscribe");
    public static readonly ListenerName<BadAuthTokenEvent> BadAuthToken = new("badAuthToken");
    public static readonly ListenerName<AuthenticateEvent> Authenticate = new("authenticate");
    public static readonly ListenerName<DeauthenticateEvent> Deauthenticate = new("deauthenticate");
    public static readonly ListenerName<AuthStateChangeEvent> AuthStateChange = new("authStateChange");
    public static readonly ListenerName<AuthTokenSignedEvent> AuthTokenSigned = new("authTokenSigned");
    /// <summary>The socket's last event, with the close that ended it; its streams are cleaned up after it.</summary>
    public static readonly ListenerName<CloseEvent> End = new("end");

    /// <summary>Not in socketcluster-server: every socket event above, in one stream, in emission order.</summary>
    public static readonly ListenerName<AnyEvent> All = new("*");
}

/// <summary>An inbound frame as text: every one (message, pongs included) or one that is not a SocketCluster packet (raw).</summary>
public sealed record MessageEvent(string Message);

public sealed record ConnectEvent(AGServerSocket Socket, string Id, int PingTimeout, bool IsAuthenticated, Exception? AuthError);

/// <summary>A socket's close (connectAbort, disconnect, close and end events).</summary>
public sealed record CloseEvent(AGServerSocket Socket, int Code, string? Reason);

/// <summary>
/// A socket subscribed to or unsubscribed from <see cref="Channel"/>. On a subscribe, <see cref="Data"/> and
/// <see cref="WaitForAuth"/> are what the client sent along with <c>#subscribe</c> (socketcluster-server's
/// <c>subscriptionOptions</c>; the data as a SUBSCRIBE middleware left it); on an unsubscribe, absent and false.
/// </summary>
public sealed record SubscriptionEvent(AGServerSocket Socket, string Channel, RawJson Data = default, bool WaitForAuth = false);

public sealed record BadAuthTokenEvent(AGServerSocket Socket, Exception AuthError, string SignedAuthToken);

public sealed record AuthenticateEvent(AGServerSocket Socket, System.Text.Json.JsonElement AuthToken);

public sealed record DeauthenticateEvent(AGServerSocket Socket, System.Text.Json.JsonElement? OldAuthToken);

/// <summary><see cref="AuthToken"/> is set when the new state is authenticated.</summary>
public sealed record AuthStateChangeEvent(AGServerSocket Socket, Auth.AuthState OldAuthState, Auth.AuthState NewAuthState, System.Text.Json.JsonElement? AuthToken);

public sealed record AuthTokenSignedEvent(string SignedAuthToken);
