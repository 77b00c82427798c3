using System.Net.WebSockets;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Streams;

namespace AGServer.Hosting;

/// <summary>
/// What both upgrade paths (the <c>MapAGServer</c> endpoint and <see cref="LeanUpgradeMiddleware"/>) decide before a
/// WebSocket is accepted, and how an accepted one is served.
/// </summary>
internal static class SocketAdmission
{
    /// <summary>Admit (status 101, with the HANDSHAKE_WS stream when one was opened) or refuse with an HTTP status and message.</summary>
    public readonly record struct Decision(int StatusCode, string? Message, EventStream<AGAction>? HandshakeStream)
    {
        public bool Admitted => StatusCode == 101;
    }

    /// <summary>
    /// Not ready: 503; over the node's handshake rate or the address's connection limit: 429; HANDSHAKE_WS middleware
    /// blocks: 401; an origin not allowed: 403. An admitted connection counts against its address until
    /// <see cref="ServeAsync"/> ends (or <see cref="Abandon"/>, when it is not served after all).
    /// </summary>
    public static async Task<Decision> DecideAsync(SocketClusterServer server, SocketRequest request, string origin)
    {
        if (!server.IsReady) return new Decision(503, null, null);
        if (!server.ConnectionLimits.TryHandshake())
        {
            server.Metrics.Handshake("rate_limited");
            return new Decision(429, "Too many new connections right now; try again later", null);
        }
        if (!server.ConnectionLimits.TryOpen(request.RemoteAddress))
        {
            server.Metrics.Handshake("address_limit");
            return new Decision(429, "Too many connections from this address", null);
        }
        var decision = await DecideOpenedAsync(server, request, origin);
        if (!decision.Admitted) server.ConnectionLimits.Close(request.RemoteAddress);
        return decision;
    }

    /// <summary>An admitted connection that is not served after all (the upgrade failed): its address's count goes back.</summary>
    public static void Abandon(SocketClusterServer server, SocketRequest request) => server.ConnectionLimits.Close(request.RemoteAddress);

    private static async Task<Decision> DecideOpenedAsync(SocketClusterServer server, SocketRequest request, string origin)
    {
        EventStream<AGAction>? handshakeStream = null;
        var refused = await server.VerifyHandshake(request, stream => handshakeStream = stream);
        if (refused is not null) return new Decision(401, refused.Message, null);
        if (!server.Origins.Allows(origin))
        {
            var error = new ServerProtocolError($"Failed to authorize socket handshake - Invalid origin: {origin}");
            server.EmitWarning(error);
            handshakeStream?.Close();
            return new Decision(403, error.Message, null);
        }
        return new Decision(101, null, handshakeStream);
    }

    /// <summary>Serves an accepted WebSocket as a socket of <paramref name="server"/>; completes when the connection is over.</summary>
    public static Task ServeAsync(SocketClusterServer server, SocketRequest request, Decision admitted, WebSocket webSocket, string peer)
    {
        var options = server.Options;
        var transport = new WebSocketTransport(webSocket, options.MaxPayload, server.TransportLogger, peer, options.InboundWindow, server.InboundBudget);
        server.Accept(transport, request, admitted.HandshakeStream);
        return transport.Completion.ContinueWith(_ => server.ConnectionLimits.Close(request.RemoteAddress), TaskScheduler.Default);
    }
}
