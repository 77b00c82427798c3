using System.Text.Json;
using Akka.Streams.Dsl;
using AGServer.Auth;
using AGServer.Protocol;
using AGServer.Sockets;

namespace AGServer.Conformance;

/// <summary>
/// The behaviour fixed by CONFORMANCE.md. Written the efficient way: one server-wide stream per procedure or
/// receiver serves every socket, so a connection costs no stream of its own.
/// </summary>
public static class ConformanceApp
{
    /// <summary>Installs the procedures and receivers, and (unless a test brings its own) the middleware rules.</summary>
    public static void Install(SocketClusterServer server, bool withMiddleware = true)
    {
        if (withMiddleware) ConformanceMiddleware.Install(server);
        var recorder = EventRecorder.Start(server);
        Serve(server, "events", request =>
        {
            var data = request.Data.IsAbsent ? default : request.Data.ToElement();
            var socketId = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("socketId", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()!
                : request.Socket.Id;
            request.End(recorder.For(socketId));
        });
        Serve(server, "echo", request => request.End(request.Data));
        Serve(server, "error", request => request.Error(new AGError("CustomError", "Custom error",
            new Dictionary<string, object?> { ["code"] = 4321, ["data"] = request.Data })));
        Serve(server, "transmitBack", request =>
        {
            var data = request.Data.ToElement();
            request.Socket.Transmit(data.GetProperty("event").GetString()!, Property(data, "data"));
            request.End();
        });
        Serve(server, "invokeBack", request => _ = InvokeBack(request));
        Serve(server, "disconnect", request =>
        {
            var data = request.Data.ToElement();
            var code = data.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : CloseCodes.Normal;
            var reason = data.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            request.Socket.Disconnect(code, reason);
        });
        Serve(server, "delay", request =>
        {
            var data = request.Data.ToElement();
            var ms = data.GetProperty("ms").GetInt32();
            var value = Property(data, "value");
            _ = Task.Delay(ms).ContinueWith(_ => request.End(value), TaskScheduler.Default);
        });
        Serve(server, "stats", request => request.End(new { server.ClientsCount, server.PendingClientsCount }));
        Serve(server, "kickOut", request =>
        {
            var data = request.Data.ToElement();
            _ = request.Socket.KickOutAsync(data.GetProperty("channel").GetString(), Property(data, "message"))
                .ContinueWith(_ => request.End(), TaskScheduler.Default);
        });
        Serve(server, "publish", request =>
        {
            var data = request.Data.ToElement();
            _ = Answer(request, server.Exchange.InvokePublishAsync(data.GetProperty("channel").GetString()!, Property(data, "data")));
        });
        Serve(server, "login", request =>
        {
            var data = request.Data.ToElement();
            int? expiresIn = data.TryGetProperty("expiresIn", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt32() : null;
            var token = data.GetProperty("token");
            _ = Answer(request, request.Socket.SetAuthTokenAsync(token, new AuthTokenOptions(ExpiresIn: expiresIn)), new { ok = true });
        });
        Serve(server, "logout", request => _ = Answer(request, request.Socket.DeauthenticateAsync()));
        Serve(server, "whoami", request => request.End(new
        {
            authState = request.Socket.AuthState == AuthState.Authenticated ? "authenticated" : "unauthenticated",
            authToken = request.Socket.AuthToken,
        }));
        Serve(server, "subscriptions", request => request.End(request.Socket.Subscriptions().Order(StringComparer.Ordinal).ToArray()));

        // Reached only if the INBOUND middleware lets it through, which it never does.
        Serve(server, "forbidden", request => request.End("forbidden was allowed"));

        PlainApplicationCode.Install(server);

        server.Receiver("echoTransmit").RunForeach(
            message => message.Socket.Transmit("echoTransmit", message.Data), server.Materializer);
    }

    /// <summary>
    /// The exchange rule, set once the server has started: every message D on <c>server/inbox</c> is published
    /// on <c>server/outbox</c> as <c>{"received": D}</c>. Completes once the subscription is in force.
    /// </summary>
    public static Task StartExchangeRules(SocketClusterServer server)
    {
        var inbox = server.Exchange.Subscribe("server/inbox");
        inbox.Source.RunForeach(data => server.Exchange.TransmitPublishAsync("server/outbox", new { received = data }), server.Materializer);
        return inbox.WhenSubscribed;
    }

    private static async Task Answer(AGRequest request, Task work, object? result = null)
    {
        try
        {
            await work;
            request.End(result);
        }
        catch (Exception error)
        {
            request.Error(error);
        }
    }

    private static async Task InvokeBack(AGRequest request)
    {
        var data = request.Data.ToElement();
        var procedure = data.GetProperty("procedure").GetString()!;
        int? ackTimeout = data.TryGetProperty("ackTimeout", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null;
        try
        {
            var result = await request.Socket.InvokeAsync(procedure, Property(data, "data"), new InvokeOptions(ackTimeout));
            request.End(result);
        }
        catch (AGError error)
        {
            request.Error(new AGError(error.Name, error.Message));
        }
    }

    /// <summary>Runs one server-wide stream for a procedure. A handler that throws answers that request with the error.</summary>
    private static void Serve(SocketClusterServer server, string procedure, Action<AGRequest> handle) =>
        server.Procedure(procedure).RunForeach(request =>
        {
            try
            {
                handle(request);
            }
            catch (Exception error) when (!request.Sent)
            {
                request.Error(error is AGError ? error : new InvalidArgumentsError($"Bad {procedure} request: {error.Message}"));
            }
        }, server.Materializer);

    private static object? Property(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) ? value : null;
}
