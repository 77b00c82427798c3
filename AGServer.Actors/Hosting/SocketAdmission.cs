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

    /// <summary>Not ready: 503; HANDSHAKE_WS middleware blocks: 401; an origin not allowed: 403.</summary>
    public static async Task<Decision> DecideAsync(SocketClusterServer server, SocketRequest request, string origin)
    {
        if (!server.IsReady) return new Decision(503, null, null);
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
        var transport = new WebSocketTransport(webSocket, options.MaxPayload, options.OutboundQueueLimit, server.TransportLogger, peer,
            options.InboundWindow, server.InboundBudget);
        server.Accept(transport, request, admitted.HandshakeStream);
        return transport.Completion;
    }
}
