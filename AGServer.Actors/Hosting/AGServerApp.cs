using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AGServer.Server;

namespace AGServer.Hosting;

/// <summary>The default node application: Kestrel on <c>--port</c>, one server, <c>/health</c>. Used by the Host and the Conformance app.</summary>
public static class AGServerApp
{
    public static WebApplication Build(string[] args, Action<AGServerOptions>? configure = null, string? extraHocon = null)
    {
        var node = NodeOptions.FromArgs(args) with { ExtraHocon = extraHocon };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.WebHost.UseUrls($"http://0.0.0.0:{node.HttpPort}");
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddAGServer(builder.Configuration, node, configure);
        var app = builder.Build();
        app.MapAGServer();
        return app;
    }

    /// <summary>The WebSocket URL of a started app, with the port Kestrel actually bound.</summary>
    public static string WebSocketUrl(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("0.0.0.0", "localhost").Replace("[::]", "localhost")).Port;
        var path = app.Services.GetRequiredService<SocketClusterServer>().Options.Path;
        return $"ws://localhost:{port}{path}";
    }
}
