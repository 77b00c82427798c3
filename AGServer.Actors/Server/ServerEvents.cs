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
    /// <summary>What went wrong: socketcluster-server's <c>{error}</c>.</summary>
    public static readonly ListenerName<Exception> Error = new("error");

    /// <summary>What went wrong without harm: socketcluster-server's <c>{warning}</c>.</summary>
    public static readonly ListenerName<Exception> Warning = new("warning");

    /// <summary>A WebSocket was accepted (the socket); its SocketCluster handshake has not happened yet.</summary>
    public static readonly ListenerName<AGServerSocket> Handshake = new("handshake");
    public static readonly ListenerName<ConnectEvent> Connection = new("connection");
    public static readonly ListenerName<CloseEvent> ConnectionAbort = new("connectionAbort");
    public static readonly ListenerName<CloseEvent> Disconnection = new("disconnection");
    public static readonly ListenerName<CloseEvent> Closure = new("closure");
    public static readonly ListenerName<SubscriptionEvent> Subscription = new("subscription");
    public static readonly ListenerName<SubscriptionEvent> Unsubscription = new("unsubscription");
    public static readonly ListenerName<AuthEvent> Authentication = new("authentication");
    public static readonly ListenerName<AuthEvent> Deauthentication = new("deauthentication");
    public static readonly ListenerName<AuthEvent> AuthenticationStateChange = new("authenticationStateChange");
    public static readonly ListenerName<BadAuthTokenEvent> BadSocketAuthToken = new("badSocketAuthToken");
    /// <summary>
    /// The node joined its cluster and started sharding, once; the item is the node's health at that moment (its
    /// address, the members it sees). socketcluster-server's <c>ready</c> carries nothing.
    /// </summary>
    public static readonly ListenerName<NodeHealth> Ready = new("ready");

    /// <summary>
    /// Not in socketcluster-server: every server event above, as <see cref="AnyEvent"/>, in one stream, so a
    /// single consumer sees them in the order they were emitted (per socket, the order socketcluster-server emits).
    /// </summary>
    public static readonly ListenerName<AnyEvent> All = new("*");
}
