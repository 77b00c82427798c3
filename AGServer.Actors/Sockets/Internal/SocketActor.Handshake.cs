using System.Diagnostics;
using System.Text.Json.Serialization;
using AGServer.Auth;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>The SocketCluster handshake: token verification, HANDSHAKE_SC middleware, the answer, connect events.</summary>
internal sealed partial class SocketActor
{
    private void ProcessHandshake(in InboundPacket packet)
    {
        if (packet.Cid is not { } cid)
        {
            EmitError(new InvalidActionError("Handshake request was malformatted"));
            Disconnect(CloseCodes.HandshakeRejected, null);
            return;
        }
        if (_socket.State != SocketState.Connecting) return;
        LeaveHandshakeDeadline();
        _handshakeSpan = AGServerTracing.StartDetached("handshake", ActivityKind.Server, _server.NodeAddress);
        _handshakeSpan?.SetTag("agserver.socket.id", _socket.Id);
        var signedToken = packet.Data.TryGetProperty("authToken"u8, out var token) ? token.AsString() : null;
        if (signedToken is null)
        {
            RunHandshakeMiddleware(cid, null, default);
            return;
        }
        Verify(signedToken, verified => RunHandshakeMiddleware(cid, signedToken, verified));
    }

    private void RunHandshakeMiddleware(long cid, string? signedToken, VerifiedToken verified)
    {
        var action = new AGAction(ActionType.HandshakeSc, _socket.Request, _socket)
        {
            SignedAuthToken = signedToken,
            AuthToken = verified.Payload,
            AuthTokenError = verified.Error,
        };
        RunMiddleware(MiddlewareType.Handshake, ref _handshakeStream, action, outcome =>
        {
            _handshakeStream?.Close();
            if (_socket.State != SocketState.Connecting) return;
            if (!outcome.IsAllowed)
            {
                // As socketcluster-server: the error gets a statusCode (4008 unless it has one) and closes the socket with it.
                // The application's error object may be shared by every rejection: the statusCode goes on a copy.
                var error = outcome.Error!;
                var code = CloseCodes.HandshakeRejected;
                if (error is INamedError named)
                {
                    if (named.Properties.TryGetValue("statusCode", out var status) && status is int statusCode) code = statusCode;
                    else error = new AGError(named.Name, error.Message, new Dictionary<string, object?>(named.Properties) { ["statusCode"] = code });
                }
                _socket.SendPacket(OutboundPacket.ErrorResponse(cid, error));
                _server.Metrics.Handshake("rejected");
                EndHandshakeSpan((error as INamedError)?.Name ?? "HandshakeRejected");
                Disconnect(code, null);
                return;
            }
            if (signedToken is null)
            {
                CompleteHandshake(cid, AuthState.Unauthenticated, null);
                return;
            }
            var oldAuthState = _socket.AuthState;
            Authenticate(signedToken, verified, authError =>
            {
                // A refused token is a soft failure: reported in the answer; a bad one is also removed from the client.
                if (IsBadToken(authError)) Deauthenticate(false);
                CompleteHandshake(cid, oldAuthState, authError);
            });
        });
    }

    private void CompleteHandshake(long cid, AuthState oldAuthState, Exception? authError)
    {
        if (_socket.State != SocketState.Connecting) return;
        var isAuthenticated = _socket.AuthState == AuthState.Authenticated;
        _socket.State = SocketState.Open;
        Enter(Open);
        _openedAt = Environment.TickCount64;
        _server.Metrics.Handshake("accepted");
        _handshakeSpan?.SetTag("agserver.authenticated", isAuthenticated);
        EndHandshakeSpan(null);
        _server.Promote(_socket);
        _socket.SendPacket(OutboundPacket.Response(cid, new HandshakeResponse(_socket.Id, _options.PingTimeout, isAuthenticated,
            authError is null ? null : new DehydratedError(authError))));
        BatchAfterHandshake();
        EmitBoth(SocketEvents.Connect, ServerEvents.Connection, new ConnectEvent(_socket, _socket.Id, _options.PingTimeout, isAuthenticated, authError));
        if (isAuthenticated) TriggerAuthenticationEvents(oldAuthState, oldAuthToken: null); // a new socket had no token
    }

    /// <summary>The handshake's span, from the client's #handshake to the answer (null when nothing records traces).</summary>
    private Activity? _handshakeSpan;

    private void EndHandshakeSpan(string? errorName)
    {
        AGServerTracing.End(_handshakeSpan, errorName);
        _handshakeSpan = null;
    }

    private sealed record HandshakeResponse(
        string Id,
        int PingTimeout,
        bool IsAuthenticated,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DehydratedError? AuthError) : IProtocolPayload;
}
