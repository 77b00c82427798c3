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
    /// <summary>What went wrong: socketcluster-server's <c>{error}</c>.</summary>
    public static readonly ListenerName<Exception> Error = new("error");

    /// <summary>Every inbound frame as text, pongs included: socketcluster-server's <c>{message}</c>.</summary>
    public static readonly ListenerName<string> Message = new("message");

    /// <summary>An inbound frame that is not a SocketCluster packet, as text.</summary>
    public static readonly ListenerName<string> Raw = new("raw");

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
    /// <summary>A token was set (every time, also when the socket was authenticated already).</summary>
    public static readonly ListenerName<AuthEvent> Authenticate = new("authenticate");

    /// <summary>The token was removed (every time, also when the socket had none).</summary>
    public static readonly ListenerName<AuthEvent> Deauthenticate = new("deauthenticate");

    /// <summary>The auth state changed: authenticated to unauthenticated or back.</summary>
    public static readonly ListenerName<AuthEvent> AuthStateChange = new("authStateChange");

    /// <summary>The server signed a token for the socket: the signed token.</summary>
    public static readonly ListenerName<string> AuthTokenSigned = new("authTokenSigned");
    /// <summary>The socket's last event, with the close that ended it; its streams are cleaned up after it.</summary>
    public static readonly ListenerName<CloseEvent> End = new("end");

    /// <summary>Not in socketcluster-server: every socket event above, in one stream, in emission order.</summary>
    public static readonly ListenerName<AnyEvent> All = new("*");
}

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

/// <summary>
/// A socket's authentication, deauthentication or auth state change (socketcluster-server's <c>{authToken}</c>,
/// <c>{oldAuthToken}</c> and <c>{oldAuthState, newAuthState, authToken}</c> in one record): the states before and
/// after, the token it has now (null when unauthenticated) and the one it had before (null when it had none).
/// </summary>
public sealed record AuthEvent(
    AGServerSocket Socket,
    Auth.AuthState OldAuthState,
    Auth.AuthState NewAuthState,
    System.Text.Json.JsonElement? AuthToken,
    System.Text.Json.JsonElement? OldAuthToken);
