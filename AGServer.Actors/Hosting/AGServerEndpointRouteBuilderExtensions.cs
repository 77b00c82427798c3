using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AGServer.Server;
using AGServer.Sockets;

namespace AGServer.Hosting;

/// <summary><c>MapAGServer</c>: serve SocketCluster WebSockets from an ASP.NET Core application's endpoints.</summary>
public static class AGServerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves SocketCluster WebSockets on <paramref name="pattern"/> (default: the <c>Path</c> option,
    /// <c>/socketcluster/</c>), the node's health (<c>/health</c>: JSON with the cluster view; <c>/health/live</c> and
    /// <c>/health/ready</c>: ASP.NET Core health checks, ready once joined and until shutdown begins), with
    /// <c>Metrics:Prometheus</c>, Prometheus scrapes on <c>/metrics</c>, and the dashboard and demo pages when enabled
    /// (<c>/agserver/dashboard/</c>, <c>/agserver/demo/</c>). Returns the WebSocket endpoint's convention
    /// builder, so <c>RequireHost</c>, <c>RequireAuthorization</c>, <c>RequireCors</c> and the like apply to the
    /// upgrade request as to any endpoint. Requires <c>services.AddAGServer()</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapAGServer(this IEndpointRouteBuilder endpoints, string? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var server = endpoints.ServiceProvider.GetService<SocketClusterServer>()
                     ?? throw new InvalidOperationException("MapAGServer needs services.AddAGServer() first.");
        pattern ??= server.Options.Path;
        endpoints.MapGet("/health", (HttpContext context) => Health(server));
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadinessCheck.Tag) });
        if (AGServerApp.MetricsOn(endpoints.ServiceProvider.GetRequiredService<IConfiguration>())) endpoints.MapPrometheusScrapingEndpoint();
        WebUiEndpoints.Map(endpoints, server);
        var endpoint = endpoints.Map(pattern.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/", context => AcceptSocket(context, server));
        if (!server.Options.LeanUpgrade) return endpoint;
        if (!string.Equals(pattern.TrimEnd('/'), server.Options.Path.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"MapAGServer(\"{pattern}\"): with AGServer:LeanUpgrade on, upgrades are answered on the Path option ('{server.Options.Path}'); set Path instead, or turn LeanUpgrade off.");
        return new NoConventions(endpoint);
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
