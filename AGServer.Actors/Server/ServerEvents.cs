using System.Text.Json;
using AGServer.Auth;
using AGServer.Sockets;
using AGServer.Streams;

namespace AGServer.Server;

/// <summary>
/// The server's listener streams, by socketcluster-server's event names. A socket's events that the server also emits
/// (connection, disconnection, subscription, authentication, ...) are the socket's own records
/// (<see cref="SocketEvents"/>), which carry the socket.
/// </summary>
public static class ServerEvents
{
    public static readonly ListenerName<ErrorEvent> Error = new("error");
    public static readonly ListenerName<ErrorEvent> Warning = new("warning");
    public static readonly ListenerName<HandshakeEvent> Handshake = new("handshake");
    public static readonly ListenerName<ConnectEvent> Connection = new("connection");
    public static readonly ListenerName<CloseEvent> ConnectionAbort = new("connectionAbort");
    public static readonly ListenerName<CloseEvent> Disconnection = new("disconnection");
    public static readonly ListenerName<CloseEvent> Closure = new("closure");
    public static readonly ListenerName<SubscriptionEvent> Subscription = new("subscription");
    public static readonly ListenerName<SubscriptionEvent> Unsubscription = new("unsubscription");
    public static readonly ListenerName<AuthenticateEvent> Authentication = new("authentication");
    public static readonly ListenerName<DeauthenticateEvent> Deauthentication = new("deauthentication");
    public static readonly ListenerName<AuthStateChangeEvent> AuthenticationStateChange = new("authenticationStateChange");
    public static readonly ListenerName<BadAuthTokenEvent> BadSocketAuthToken = new("badSocketAuthToken");
    public static readonly ListenerName<ReadyEvent> Ready = new("ready");

    /// <summary>
    /// Not in socketcluster-server: every server event above, as <see cref="AnyEvent"/>, in one stream, so a
    /// single consumer sees them in the order they were emitted (per socket, the order socketcluster-server emits).
    /// </summary>
    public static readonly ListenerName<AnyEvent> All = new("*");
}

/// <summary>A WebSocket was accepted; its SocketCluster handshake has not happened yet.</summary>
public sealed record HandshakeEvent(AGServerSocket Socket);

public sealed record ReadyEvent;
