using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Streams;
using AGServer.Server;
using AGServer.Sockets;

namespace AGServer.Hosting;

/// <summary><c>AddAGServer</c> / <c>MapAGServer</c>: put an AGServer node inside any ASP.NET Core app.</summary>
public static class AGServerHostingExtensions
{
    /// <summary>
    /// Registers an AGServer node: <see cref="AGServerOptions"/> bound from the <c>AGServer</c> configuration section
    /// (then <paramref name="configure"/>), validated at start; its actor system; the <see cref="AGServer"/>.
    /// </summary>
    public static IServiceCollection AddAGServer(
        this IServiceCollection services,
        IConfiguration configuration,
        NodeOptions node,
        Action<AGServerOptions>? configure = null)
    {
        services.AddSingleton(node);
        services.AddSingleton(_ =>
        {
            var options = new AGServerOptions();
            configuration.GetSection(AGServerOptions.SectionName).Bind(options);
            configure?.Invoke(options);
            options.Validate();
            return options;
        });
        services.AddSingleton<AGServerNode>();
        services.AddHostedService(sp => sp.GetRequiredService<AGServerNode>());
        services.AddSingleton(sp => sp.GetRequiredService<AGServerNode>().Server);
        return services;
    }

    /// <summary>
    /// Serves SocketCluster WebSockets on the <c>Path</c> option (default <c>/socketcluster/</c>) and <c>/health</c>.
    /// Requires <see cref="AddAGServer"/>.
    /// </summary>
    public static WebApplication MapAGServer(this WebApplication app, string? path = null)
    {
        var server = app.Services.GetService<SocketClusterServer>()
                     ?? throw new InvalidOperationException("MapAGServer needs services.AddAGServer(...) first.");
        path ??= server.Options.Path;
        app.UseWebSockets();
        app.Map(path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/", context => AcceptSocket(context, server));
        app.MapGet("/health", (HttpContext context) => Health(context, server));
        return app;
    }

    private static async Task AcceptSocket(HttpContext context, SocketClusterServer server)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Expected a WebSocket upgrade request");
            return;
        }
        if (!server.IsReady)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var request = ToSocketRequest(context);
        EventStream<AGAction>? handshakeStream = null;
        var refused = await server.VerifyHandshake(request, stream => handshakeStream = stream);
        if (refused is not null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync(refused.Message);
            return;
        }
        var origin = context.Request.Headers.Origin.ToString();
        if (!server.Origins.Allows(origin))
        {
            var error = new ServerProtocolError($"Failed to authorize socket handshake - Invalid origin: {origin}");
            server.EmitWarning(error);
            handshakeStream?.Close();
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync(error.Message);
            return;
        }

        var options = server.Options;
        var webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            DangerousEnableCompression = options.PerMessageDeflate,
            KeepAliveInterval = TimeSpan.Zero,
        });
        var transport = new WebSocketTransport(webSocket, options.MaxPayload, options.OutboundQueueLimit, server.TransportLogger,
            $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}", options.InboundWindow);
        server.Accept(transport, request, handshakeStream);
        await transport.Completion;
    }

    private static SocketRequest ToSocketRequest(HttpContext context)
    {
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new SocketRequest(
            context.Request.Path + context.Request.QueryString,
            query,
            headers,
            context.Connection.RemoteIpAddress,
            context.Connection.RemotePort);
    }

    private static IResult Health(HttpContext context, SocketClusterServer server)
    {
        var status = server.Health();
        return Results.Json(status, statusCode: status.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
