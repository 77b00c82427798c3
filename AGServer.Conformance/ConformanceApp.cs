using System.Text.Json;
using Akka.Streams.Dsl;
using AGServer.Auth;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;

namespace AGServer.Conformance;

/// <summary>
/// The behaviour fixed by CONFORMANCE.md, on the handler API: one server-wide handler per procedure or receiver
/// serves every socket, so a connection costs nothing of its own. <c>echo</c> and <c>echoTransmit</c>, the RPC and
/// transmit benchmarks' targets, are written the recommended way too (<c>MapProcedure</c> / <c>MapReceiver</c>), so that
/// every outside check and benchmark measures the path users take.
/// </summary>
public static class ConformanceApp
{
    private sealed record TransmitBackRequest(string Event, JsonElement? Data);
    private sealed record InvokeBackRequest(string Procedure, JsonElement? Data, int? AckTimeout);
    private sealed record DisconnectRequest(int? Code, string? Reason);
    private sealed record DelayRequest(int Ms, JsonElement? Value);
    private sealed record KickOutRequest(string? Channel, JsonElement? Message);
    private sealed record PublishRequest(string Channel, JsonElement? Data);
    private sealed record LoginRequest(JsonElement Token, int? ExpiresIn);

    /// <summary>Calls that wait (on a timer, or on the client) without holding up the socket's other calls.</summary>
    private static readonly HandlerOptions Overlapping = new() { InOrderPerSocket = false };

    /// <summary>
    /// Channels matching <c>hist/*</c> keep their last 100 publications for 5 minutes, track presence and recover
    /// (unless the configuration already says something about <c>hist/*</c>).
    /// </summary>
    public static void ConfigureChannels(AGServerOptions options) =>
        options.Channels.TryAdd("hist/*", new Channels.ChannelFeatures
        {
            HistorySize = 100,
            HistoryTtl = TimeSpan.FromMinutes(5),
            Presence = true,
            Recovery = true,
        });

    /// <summary>
    /// Installs the procedures and receivers, and (unless a test brings its own) the middleware rules. Without
    /// <paramref name="recordEvents"/> (the benchmarks, which compare the server with one that records nothing) the
    /// <c>events</c> procedure answers an error.
    /// </summary>
    /// <param name="echoOnStream">
    /// Serve <c>echo</c> with the bare procedure stream the handlers are built on, instead of <c>MapProcedure</c>: the
    /// benchmark's side row, reported beside the recommended path, never instead of it.
    /// </param>
    public static void Install(SocketClusterServer server, bool withMiddleware = true, bool recordEvents = true, bool echoOnStream = false)
    {
        if (withMiddleware) ConformanceMiddleware.Install(server);
        var recorder = recordEvents ? EventRecorder.Start(server) : null;
        // Any data but {"socketId": id} means this socket.
        server.MapProcedure("events", (RawJson data, AGRequest request) =>
        {
            if (recorder is null) request.Error(new AGError("EventsOffError", "This node does not record events (Conformance:RecordEvents=false)"));
            else request.End(recorder.For(data.TryGetProperty("socketId"u8, out var id) && id.AsString() is { } socketId ? socketId : request.Socket.Id));
        });
        if (echoOnStream) _ = server.Procedure("echo").RunForeach(request => request.End(request.Data), server.Materializer);
        else server.MapProcedure("echo", (RawJson data) => data);
        server.MapProcedure("error", (AGRequest request, RawJson data) => request.Error(new AGError("CustomError", "Custom error",
            new Dictionary<string, object?> { ["code"] = 4321, ["data"] = data })));
        server.MapProcedure("transmitBack", (TransmitBackRequest data, AGServerSocket socket) => socket.Transmit(data.Event, data.Data));
        server.MapProcedure("invokeBack", InvokeBack, Overlapping);
        server.MapProcedure("disconnect", (DisconnectRequest? data, AGServerSocket socket) =>
            socket.Disconnect(data?.Code ?? CloseCodes.Normal, data?.Reason));
        server.MapProcedure("delay", async (DelayRequest data) =>
        {
            await Task.Delay(data.Ms);
            return data.Value;
        }, Overlapping);
        server.MapProcedure("stats", () => new { server.ClientsCount, server.PendingClientsCount });
        server.MapProcedure("kickOut", (KickOutRequest data, AGRequestContext context) =>
            context.Socket.KickOutAsync(data.Channel, data.Message, context.ConnectionClosed));
        server.MapProcedure("publish", (PublishRequest data, AGRequest request) => Settle(request, server.Exchange.InvokePublishAsync(data.Channel, data.Data)));
        server.MapProcedure("login", (LoginRequest data, AGRequest request) =>
            Settle(request, request.Socket.SetAuthTokenAsync(data.Token, new AuthTokenOptions(ExpiresIn: data.ExpiresIn)), new { ok = true }));
        server.MapProcedure("logout", (AGRequest request) => Settle(request, request.Socket.DeauthenticateAsync()));
        server.MapProcedure("whoami", (AGServerSocket socket) => new
        {
            authState = socket.AuthState == AuthState.Authenticated ? "authenticated" : "unauthenticated",
            authToken = socket.AuthToken,
        });
        server.MapProcedure("subscriptions", (AGServerSocket socket) => socket.Subscriptions().Order(StringComparer.Ordinal).ToArray());

        // Reached only if the INBOUND middleware lets it through, which it never does.
        server.MapProcedure("forbidden", () => "forbidden was allowed");

        PlainApplicationCode.Install(server);

        server.MapReceiver("echoTransmit", (RawJson data, AGServerSocket socket) => socket.Transmit("echoTransmit", data));
    }

    /// <summary>
    /// The exchange rule: every message D on <c>server/inbox</c> is published on <c>server/outbox</c> as
    /// <c>{"received": D}</c>. Completes once the subscription is in force.
    /// </summary>
    public static Task StartExchangeRules(SocketClusterServer server)
    {
        var inbox = server.Exchange.Subscribe("server/inbox");
        _ = inbox.Source.RunForeach(data => server.Exchange.TransmitPublishAsync("server/outbox", new { received = data }), server.Materializer);
        return inbox.WhenSubscribed;
    }

    /// <summary>The client's answer, or its error (a timeout: TimeoutError) with only its name and message.</summary>
    private static async Task<JsonElement> InvokeBack(InvokeBackRequest data, AGRequest request)
    {
        try
        {
            return await request.Socket.InvokeAsync(data.Procedure, data.Data, data.AckTimeout is { } ms ? TimeSpan.FromMilliseconds(ms) : null, request.Socket.ConnectionClosed);
        }
        catch (AGError error)
        {
            request.Error(new AGError(error.Name, error.Message));
            return default;
        }
        catch (TimeoutException error)
        {
            request.Error(new AGError(AGErrorNames.TimeoutError, error.Message));
            return default;
        }
    }

    /// <summary>Answers once <paramref name="work"/> is done: <paramref name="result"/>, or the error it failed with as is.</summary>
    private static async Task Settle(AGRequest request, Task work, object? result = null)
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
}
