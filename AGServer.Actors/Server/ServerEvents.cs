using System.Text.Json;
using AGServer.Auth;
using AGServer.Sockets;
using AGServer.Streams;

namespace AGServer.Server;

/// <summary>The server's listener streams, by socketcluster-server's event names.</summary>
public static class ServerEvents
{
    public static readonly ListenerName<ServerErrorEvent> Error = new("error");
    public static readonly ListenerName<WarningEvent> Warning = new("warning");
    public static readonly ListenerName<HandshakeEvent> Handshake = new("handshake");
    public static readonly ListenerName<ConnectionEvent> Connection = new("connection");
    public static readonly ListenerName<ConnectionAbortEvent> ConnectionAbort = new("connectionAbort");
    public static readonly ListenerName<DisconnectionEvent> Disconnection = new("disconnection");
    public static readonly ListenerName<ClosureEvent> Closure = new("closure");
    public static readonly ListenerName<SubscriptionEvent> Subscription = new("subscription");
    public static readonly ListenerName<UnsubscriptionEvent> Unsubscription = new("unsubscription");
    public static readonly ListenerName<AuthenticationEvent> Authentication = new("authentication");
    public static readonly ListenerName<DeauthenticationEvent> Deauthentication = new("deauthentication");
    public static readonly ListenerName<AuthenticationStateChangeEvent> AuthenticationStateChange = new("authenticationStateChange");
    public static readonly ListenerName<BadSocketAuthTokenEvent> BadSocketAuthToken = new("badSocketAuthToken");
    public static readonly ListenerName<ReadyEvent> Ready = new("ready");

    /// <summary>
    /// Not in socketcluster-server: every server event above, as <see cref="AnyServerEvent"/>, in one stream, so a
    /// single consumer sees them in the order they were emitted (per socket, the order socketcluster-server emits).
    /// </summary>
    public static readonly ListenerName<AnyServerEvent> All = new("*");
}

/// <summary>One server event of any kind: its listener name and the event record.</summary>
public sealed record AnyServerEvent(string Name, object Event);

public sealed record ServerErrorEvent(Exception Error);

public sealed record WarningEvent(Exception Warning);

/// <summary>A WebSocket was accepted; its SocketCluster handshake has not happened yet.</summary>
public sealed record HandshakeEvent(AGServerSocket Socket);

/// <summary>A socket completed its handshake. <see cref="AuthError"/> is set when its token was refused.</summary>
public sealed record ConnectionEvent(AGServerSocket Socket, string Id, int PingTimeout, bool IsAuthenticated, Exception? AuthError);

public sealed record ConnectionAbortEvent(AGServerSocket Socket, int Code, string? Reason);

public sealed record DisconnectionEvent(AGServerSocket Socket, int Code, string? Reason);

public sealed record ClosureEvent(AGServerSocket Socket, int Code, string? Reason);

public sealed record SubscriptionEvent(AGServerSocket Socket, string Channel, SubscriptionOptions SubscriptionOptions);

public sealed record UnsubscriptionEvent(AGServerSocket Socket, string Channel);

public sealed record AuthenticationEvent(AGServerSocket Socket, JsonElement AuthToken);

public sealed record DeauthenticationEvent(AGServerSocket Socket, JsonElement? OldAuthToken);

public sealed record AuthenticationStateChangeEvent(AGServerSocket Socket, AuthState OldAuthState, AuthState NewAuthState, JsonElement? AuthToken);

public sealed record BadSocketAuthTokenEvent(AGServerSocket Socket, Exception AuthError, string SignedAuthToken);

public sealed record ReadyEvent;
