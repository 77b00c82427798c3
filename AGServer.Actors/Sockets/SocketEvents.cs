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
    public static readonly ListenerName<SocketErrorEvent> Error = new("error");
    public static readonly ListenerName<MessageEvent> Message = new("message");
    public static readonly ListenerName<RawEvent> Raw = new("raw");
    public static readonly ListenerName<ConnectEvent> Connect = new("connect");
    public static readonly ListenerName<ConnectAbortEvent> ConnectAbort = new("connectAbort");
    public static readonly ListenerName<DisconnectEvent> Disconnect = new("disconnect");
    public static readonly ListenerName<CloseEvent> Close = new("close");
    public static readonly ListenerName<SubscribeEvent> Subscribe = new("subscribe");
    public static readonly ListenerName<UnsubscribeEvent> Unsubscribe = new("unsubscribe");
    public static readonly ListenerName<BadAuthTokenEvent> BadAuthToken = new("badAuthToken");
    public static readonly ListenerName<AuthenticateEvent> Authenticate = new("authenticate");
    public static readonly ListenerName<DeauthenticateEvent> Deauthenticate = new("deauthenticate");
    public static readonly ListenerName<AuthStateChangeEvent> AuthStateChange = new("authStateChange");
    public static readonly ListenerName<AuthTokenSignedEvent> AuthTokenSigned = new("authTokenSigned");
    public static readonly ListenerName<EndEvent> End = new("end");

    /// <summary>Not in socketcluster-server: every socket event above, in one stream, in emission order.</summary>
    public static readonly ListenerName<AnySocketEvent> All = new("*");
}

/// <summary>One socket event of any kind: its listener name and the event record.</summary>
public sealed record AnySocketEvent(string Name, object Event);

public sealed record SocketErrorEvent(Exception Error);

/// <summary>Every inbound frame, pongs included, as text.</summary>
public sealed record MessageEvent(string Message);

/// <summary>An inbound frame that is not a SocketCluster packet.</summary>
public sealed record RawEvent(string Message);

public sealed record ConnectEvent(AGServerSocket Socket, string Id, int PingTimeout, bool IsAuthenticated, Exception? AuthError);

public sealed record ConnectAbortEvent(AGServerSocket Socket, int Code, string? Reason);

public sealed record DisconnectEvent(AGServerSocket Socket, int Code, string? Reason);

public sealed record CloseEvent(AGServerSocket Socket, int Code, string? Reason);

/// <summary>What the client sent along with <c>#subscribe</c> besides the channel name.</summary>
public sealed record SubscriptionOptions(RawJson Data, bool WaitForAuth);

public sealed record SubscribeEvent(AGServerSocket Socket, string Channel, SubscriptionOptions SubscriptionOptions);

public sealed record UnsubscribeEvent(AGServerSocket Socket, string Channel);

public sealed record BadAuthTokenEvent(AGServerSocket Socket, Exception AuthError, string SignedAuthToken);

public sealed record AuthenticateEvent(AGServerSocket Socket, System.Text.Json.JsonElement AuthToken);

public sealed record DeauthenticateEvent(AGServerSocket Socket, System.Text.Json.JsonElement? OldAuthToken);

/// <summary><see cref="AuthToken"/> is set when the new state is authenticated.</summary>
public sealed record AuthStateChangeEvent(AGServerSocket Socket, Auth.AuthState OldAuthState, Auth.AuthState NewAuthState, System.Text.Json.JsonElement? AuthToken);

public sealed record AuthTokenSignedEvent(string SignedAuthToken);

/// <summary>The socket's last event; its streams are cleaned up after it.</summary>
public sealed record EndEvent;
