using System.Text.Json;
using System.Text.Json.Nodes;
using AGServer.Auth;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>The socket's auth state: token verification, #authenticate, #removeAuthToken, setAuthToken, deauthenticate, expiry.</summary>
internal sealed partial class SocketActor
{
    internal sealed record SetAuthToken(object Payload, AuthTokenOptions Options, TaskCompletionSource Done);

    internal sealed record DeauthenticateSocket(bool RejectOnFailedDelivery, TaskCompletionSource Done);

    /// <summary>The outcome of verifying a token: its payload, or the error.</summary>
    private readonly record struct VerifiedToken(JsonElement? Payload, AGError? Error);

    /// <summary>Whether <paramref name="error"/> says the token itself is bad (by name, so a custom engine's or a middleware's <see cref="AGError"/> counts as the built-in ones do).</summary>
    private static bool IsBadToken(Exception? error) => error is AGError named && AGErrorNames.IsBadToken(named.Name);

    private bool ReceiveAuth(object message)
    {
        switch (message)
        {
            case DeauthenticateSocket deauthenticate:
                Deauthenticate(deauthenticate.RejectOnFailedDelivery, deauthenticate.Done);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// An auth engine call, given AckTimeout to finish: an engine that hangs (a key service that does not answer) fails
    /// that one verification or signing with a <see cref="TimeoutError"/> instead of suspending the socket for good.
    /// </summary>
    private ValueTask<T> Bounded<T>(ValueTask<T> work) => work.IsCompleted
        ? work
        : new ValueTask<T>(work.AsTask().WaitAsync(TimeSpan.FromMilliseconds(_options.AckTimeout)).ContinueWith(
            static t => t.IsFaulted && t.Exception!.InnerException is TimeoutException and not TimeoutError
                ? throw new TimeoutError("The auth engine did not answer in time")
                : t.GetAwaiter().GetResult(),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

    private void Verify(string signedToken, Action<VerifiedToken> then)
    {
        ValueTask<JsonElement> work;
        try
        {
            work = _server.AuthEngine.VerifyTokenAsync(signedToken);
        }
        catch (Exception error)
        {
            work = ValueTask.FromException<JsonElement>(error);
        }
        Await(Bounded(work), (payload, error) => then(error is null
            ? _server.Revocations.Refusal(payload) is { } revoked ? new VerifiedToken(null, revoked) : new VerifiedToken(payload, null)
            : new VerifiedToken(null, error is AGError named && AGErrorNames.IsTokenError(named.Name) ? named : new AuthTokenError(error.Message))));
    }

    /// <summary>
    /// socketcluster-server's _processAuthentication. A refused token: unauthenticated, error and badAuthToken events,
    /// <paramref name="then"/> gets the error. A verified one: authenticated, then AUTHENTICATE middleware, which may
    /// still refuse it (the socket is then unauthenticated and <paramref name="then"/> gets the middleware's error).
    /// </summary>
    private void Authenticate(string signedToken, VerifiedToken verified, Action<Exception?> then)
    {
        if (verified.Error is { } refused)
        {
            SetAuth(null, null);
            EmitError(refused);
            if (IsBadToken(refused)) EmitBadAuthToken(refused, signedToken);
            then(refused);
            return;
        }
        SetAuth(signedToken, verified.Payload);
        var action = new AGAction(ActionType.Authenticate, _socket.Request, _socket)
        {
            SignedAuthToken = signedToken,
            AuthToken = verified.Payload,
        };
        RunInboundMiddleware(action, outcome =>
        {
            if (outcome.IsAllowed)
            {
                then(null);
                return;
            }
            SetAuth(null, null);
            if (IsBadToken(outcome.Error)) EmitBadAuthToken(outcome.Error!, signedToken);
            then(outcome.Error);
        });
    }

    private void EmitBadAuthToken(Exception error, string signedToken)
    {
        _server.Metrics.AuthFailed(error is INamedError named ? named.Name : error.GetType().Name);
        EmitBoth(SocketEvents.BadAuthToken, ServerEvents.BadSocketAuthToken, new BadAuthTokenEvent(_socket, error, signedToken));
    }

    private void ProcessAuthenticate(in InboundPacket packet)
    {
        if (packet.Cid is not { } cid)
        {
            EmitError(new InvalidActionError("Authenticate request was malformatted"));
            Disconnect(CloseCodes.HandshakeRejected, null);
            return;
        }
        var data = packet.Data;
        var signedToken = data.AsString();
        if (signedToken is null)
        {
            var error = data.IsAbsent || data.ToString() == "null"
                ? new AuthTokenInvalidError("jwt must be provided")
                : (AGError)new AuthTokenError("Invalid token format - Token must be a string");
            FinishAuthenticate(cid, data.IsAbsent ? null : data.ToString(), new VerifiedToken(null, error));
            return;
        }
        Verify(signedToken, verified => FinishAuthenticate(cid, signedToken, verified));
    }

    private void FinishAuthenticate(long cid, string? signedToken, VerifiedToken verified)
    {
        if (_socket.State == SocketState.Closed) return;
        var (oldAuthState, oldAuthToken) = (_socket.AuthState, _socket.AuthToken);
        if (signedToken is null)
        {
            // Not a token string at all: refused, like jsonwebtoken refuses it, with no token to report.
            SetAuth(null, null);
            EmitError(verified.Error!);
            Deauthenticate(false);
            _socket.SendPacket(OutboundPacket.ErrorResponse(cid, verified.Error!));
            return;
        }
        Authenticate(signedToken, verified, error =>
        {
            if (_socket.State == SocketState.Closed) return;
            if (error is null)
            {
                TriggerAuthenticationEvents(oldAuthState, oldAuthToken);
                _socket.SendPacket(OutboundPacket.Response(cid, new AuthenticateResponse(true, null)));
                return;
            }
            if (IsBadToken(error))
            {
                Deauthenticate(false);
                _socket.SendPacket(OutboundPacket.ErrorResponse(cid, error));
                return;
            }
            _socket.SendPacket(OutboundPacket.Response(cid, new AuthenticateResponse(
                _socket.AuthState == AuthState.Authenticated, new DehydratedError(error))));
        });
    }

    /// <summary>Before the handshake completes, as socketcluster-server: the error is emitted and the call fails with it.</summary>
    private void RefuseSetAuthToken(SetAuthToken command)
    {
        var error = new InvalidActionError("Cannot call setAuthToken before completing the handshake");
        EmitError(error);
        command.Done.TrySetException(error);
    }

    private void OnSetAuthToken(SetAuthToken command)
    {
        if (JsonSerializer.SerializeToNode(command.Payload, _options.JsonSerializerOptions) is not JsonObject payload)
        {
            command.Done.TrySetException(new InvalidArgumentsError("The auth token payload must be an object"));
            return;
        }
        var (oldAuthState, oldAuthToken) = (_socket.AuthState, _socket.AuthToken);
        if (command.Options.Algorithm is not null)
            EmitError(new InvalidArgumentsError("Cannot change auth token algorithm at runtime - It must be specified as a config option on launch"));
        // A payload exp wins over expiresIn, which wins over the default expiry.
        int? expiresIn = payload.ContainsKey("exp") ? null : command.Options.ExpiresIn ?? _options.AuthDefaultExpiry;

        ValueTask<string> signing;
        try
        {
            signing = _server.AuthEngine.SignTokenAsync(payload, expiresIn);
        }
        catch (Exception error)
        {
            signing = ValueTask.FromException<string>(error);
        }
        Await(Bounded(signing), (signed, error) =>
        {
            if (error is not null || signed is null)
            {
                var failure = error ?? new AuthTokenError("The auth engine returned no token");
                EmitError(failure);
                Disconnect(CloseCodes.AuthTokenSignFailed, failure.ToString());
                command.Done.TrySetException(failure);
                return;
            }
            SetAuth(signed, JsonSerializer.SerializeToElement(payload));
            EmitSocket(SocketEvents.AuthTokenSigned, signed);
            TriggerAuthenticationEvents(oldAuthState, oldAuthToken);
            DeliverToken("#setAuthToken", new TokenData(signed), command.Options.RejectOnFailedDelivery,
                reason => new AuthError($"Failed to deliver auth token to client - {reason}"), command.Done);
        });
    }

    /// <summary>Server-side logout: unauthenticated at once, and the client told to drop its token.</summary>
    private void Deauthenticate(bool rejectOnFailedDelivery, TaskCompletionSource? done = null)
    {
        DeauthenticateSelf();
        DeliverToken("#removeAuthToken", null, rejectOnFailedDelivery, reason => new AuthError(reason), done);
    }

    /// <summary>Sends the client a token event: a transmit, or an invoke that must be confirmed.</summary>
    private void DeliverToken(string @event, object? data, bool confirm, Func<string, Exception> failure, TaskCompletionSource? done)
    {
        if (!confirm)
        {
            if (_socket.State != SocketState.Closed) _socket.SendPacket(OutboundPacket.Transmit(@event, data));
            done?.TrySetResult();
            return;
        }
        var confirmation = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnInvokeClient(new InvokeClient(@event, data, _options.AckTimeout, confirmation));
        var socket = _socket;
        confirmation.Task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                done?.TrySetResult();
                return;
            }
            var error = failure(t.Exception!.InnerException!.Message);
            socket.EmitError(error);
            done?.TrySetException(error);
        }, TaskScheduler.Default);
    }

    private void DeauthenticateSelf()
    {
        var oldAuthState = _socket.AuthState;
        var oldAuthToken = _socket.AuthToken;
        SetAuth(null, null);
        var change = new AuthEvent(_socket, oldAuthState, AuthState.Unauthenticated, null, oldAuthToken);
        if (oldAuthState != AuthState.Unauthenticated)
            EmitBoth(SocketEvents.AuthStateChange, ServerEvents.AuthenticationStateChange, change);
        EmitBoth(SocketEvents.Deauthenticate, ServerEvents.Deauthentication, change);
    }

    private void TriggerAuthenticationEvents(AuthState oldAuthState, JsonElement? oldAuthToken)
    {
        var change = new AuthEvent(_socket, oldAuthState, AuthState.Authenticated, _socket.AuthToken, oldAuthToken);
        if (oldAuthState != AuthState.Authenticated)
            EmitBoth(SocketEvents.AuthStateChange, ServerEvents.AuthenticationStateChange, change);
        EmitBoth(SocketEvents.Authenticate, ServerEvents.Authentication, change);
    }

    private void SetAuth(string? signedToken, JsonElement? payload) => _socket.SetAuth(signedToken, payload);

    private bool IsAuthTokenExpired() => _socket.AuthExpiry is { } expiry && DateTimeOffset.UtcNow > expiry;

    /// <summary>
    /// Checked on every inbound packet: an expired token deauthenticates the socket. Returns the error for the
    /// packet's middleware action, or null.
    /// </summary>
    private AuthTokenExpiredError? CheckAuthTokenExpiry()
    {
        if (!IsAuthTokenExpired()) return null;
        var expiry = _socket.AuthExpiry!.Value;
        Deauthenticate(false);
        return new AuthTokenExpiredError("The socket auth token has expired", expiry);
    }

    private sealed record AuthenticateResponse(bool IsAuthenticated, DehydratedError? AuthError) : IProtocolPayload;

    private sealed record TokenData(string Token) : IProtocolPayload;
}
