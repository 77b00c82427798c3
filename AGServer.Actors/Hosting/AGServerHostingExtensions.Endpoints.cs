using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using AGServer.Server;
using AGServer.Sockets;

namespace AGServer.Hosting;

// MapAGServer: serve SocketCluster WebSockets from an ASP.NET Core application's endpoints; and, each only
// when the application asks for it, the node's health and the web pages. The library adds nothing else to the host:
// WebSockets are accepted on the socket path only, and its metrics are a Meter the application exports as it
// likes (the AGServer.Node package exports them to Prometheus).
public static partial class AGServerHostingExtensions
{
    /// <summary>
    /// Serves SocketCluster WebSockets on <paramref name="pattern"/> (default: the <c>Path</c> option,
    /// <c>/socketcluster/</c>), with ASP.NET Core's WebSocket middleware on that endpoint alone. Returns the endpoint's
    /// convention builder, so <c>RequireHost</c>, <c>RequireAuthorization</c>, <c>RequireCors</c> and the like apply to
    /// the upgrade request as to any endpoint. Requires <c>services.AddAGServer()</c>. Health and the web pages have
    /// their own calls (<see cref="MapAGServerHealth"/>, <see cref="MapAGServerWebUi"/>); AGServer.Node's
    /// <c>AGServerApp.MapNode</c> maps them all, and its metrics, as the Host does.
    /// </summary>
    public static IEndpointConventionBuilder MapAGServer(this IEndpointRouteBuilder endpoints, string? pattern = null)
    {
        var server = ServerOf(endpoints, nameof(MapAGServer));
        pattern ??= server.Options.Path;
        var pipeline = endpoints.CreateApplicationBuilder().UseWebSockets();
        pipeline.Run(context => AcceptSocket(context, server));
        var accept = pipeline.Build();
        var endpoint = endpoints.Map(pattern.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/", accept);
        if (!server.Options.LeanUpgrade) return endpoint;
        if (!string.Equals(pattern.TrimEnd('/'), server.Options.Path.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"MapAGServer(\"{pattern}\"): with AGServer:LeanUpgrade on, upgrades are answered on the Path option ('{server.Options.Path}'); set Path instead, or turn LeanUpgrade off.");
        return new NoConventions(endpoint);
    }

    /// <summary>
    /// The node's health: <c>/health</c> (JSON with this node's view of the cluster, its members' addresses included:
    /// map it where only operators reach it, or behind <c>RequireHost</c>), <c>/health/live</c> and
    /// <c>/health/ready</c> (ASP.NET Core health checks, ready once joined and until shutdown begins).
    /// </summary>
    public static IEndpointRouteBuilder MapAGServerHealth(this IEndpointRouteBuilder endpoints)
    {
        var server = ServerOf(endpoints, nameof(MapAGServerHealth));
        endpoints.MapGet("/health", (HttpContext context) => Health(server));
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessCheck.Tag) });
        return endpoints;
    }

    /// <summary>The dashboard and demo pages, when enabled (<c>/agserver/dashboard/</c>, <c>/agserver/demo/</c>).</summary>
    public static IEndpointRouteBuilder MapAGServerWebUi(this IEndpointRouteBuilder endpoints)
    {
        WebUiEndpoints.Map(endpoints, ServerOf(endpoints, nameof(MapAGServerWebUi)));
        return endpoints;
    }

    private static SocketClusterServer ServerOf(IEndpointRouteBuilder endpoints, string call)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.ServiceProvider.GetService<SocketClusterServer>()
               ?? throw new InvalidOperationException($"{call} needs services.AddAGServer() first.");
    }

    /// <summary>
    /// The WebSocket endpoint's builder under <see cref="AGServerOptions.LeanUpgrade"/>: upgrades never reach the
    /// endpoint, so a convention (authorization, CORS, host) would silently not apply; adding one fails instead.
    /// </summary>
    private sealed class NoConventions(IEndpointConventionBuilder inner) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => throw new InvalidOperationException(
            "AGServer:LeanUpgrade answers WebSocket upgrades before ASP.NET Core's endpoints, so conventions such as " +
            "RequireAuthorization, RequireCors or RequireHost would not apply to them; turn LeanUpgrade off (--AGServer:LeanUpgrade=false) to use them.");

        public void Finally(Action<EndpointBuilder> finallyConvention) => inner.Finally(finallyConvention);
    }

    private static async Task AcceptSocket(HttpContext context, SocketClusterServer server)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Expected a WebSocket upgrade request");
            return;
        }
        var request = ToSocketRequest(context);
        var decision = await SocketAdmission.DecideAsync(server, request, context.Request.Headers.Origin.ToString());
        if (!decision.Admitted)
        {
            context.Response.StatusCode = decision.StatusCode;
            if (decision.Message is { } message) await context.Response.WriteAsync(message);
            return;
        }
        WebSocket webSocket;
        try
        {
            webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                DangerousEnableCompression = server.Options.PerMessageDeflate,
                KeepAliveInterval = TimeSpan.Zero,
            });
        }
        catch
        {
            SocketAdmission.Abandon(server, request);
            throw;
        }
        await SocketAdmission.ServeAsync(server, request, decision, webSocket,
            $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}");
    }

    private static SocketRequest ToSocketRequest(HttpContext context)
    {
        var query = SocketRequest.QueryOf(context.Request.QueryString.Value ?? "");
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new SocketRequest(
            context.Request.Path + context.Request.QueryString,
            query,
            headers,
            context.Connection.RemoteIpAddress,
            context.Connection.RemotePort);
    }

    private static IResult Health(SocketClusterServer server)
    {
        var status = server.Health();
        return Results.Json(status, statusCode: status.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
