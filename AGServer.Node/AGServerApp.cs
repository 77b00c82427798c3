using Akka.Hosting;
using AGServer.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AGServer.Hosting;

/// <summary>
/// The default node application (package AGServer.Node): Kestrel on <c>--port</c> (8000), one AGServer node, and its
/// metrics exported when turned on (<see cref="NodeMetrics"/>). Used by the Host and the Conformance app.
/// </summary>
public static class AGServerApp
{
    /// <summary>
    /// A <see cref="WebApplicationBuilder"/> for a node: the node's options from <paramref name="args"/> (<c>--port</c>,
    /// <c>--cluster-port</c>, <c>--hostname</c>, <c>--seed</c>; see <see cref="NodeOptions"/>), Kestrel on its port
    /// (8000 unless given), ASP.NET Core's own logging at warnings, <see cref="AGServerOptions.LeanUpgrade"/> on (upgrades
    /// are answered before HTTP middleware; <c>--AGServer:LeanUpgrade=false</c> turns it off),
    /// <see cref="AGServerOptions.TrimMemoryAfterLoad"/> on, and <c>AddAGServer</c> with
    /// <paramref name="configureAkka"/> for the application's own actors on the node's actor system. Register services,
    /// then <c>Build()</c> and <see cref="MapNode"/>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<AkkaConfigurationBuilder, IServiceProvider>? configureAkka = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        var node = NodeOptions.FromArgs(args, builder.Configuration);
        builder.Services.AddSingleton(node with { HttpPort = node.HttpPort ?? NodeOptions.DefaultHttpPort });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("Akka.Hosting", LogLevel.Warning);
        // The node's own app has no HTTP middleware for upgrades to pass through: the lean path, unless the configuration
        // (bound after this) turns it off.
        builder.Services.Configure<AGServerOptions>(options =>
        {
            options.LeanUpgrade = true;
            options.TrimMemoryAfterLoad = true; // the node is the whole process: its GC is AGServer's to tune
        });
        builder.Services.AddAGServer(configureAkka: configureAkka);
        NodeMetrics.Add(builder);
        return builder;
    }

    /// <summary>
    /// Everything a node serves: the SocketCluster WebSockets (<c>MapAGServer</c>), its health, its Prometheus scrapes
    /// (when on: <see cref="NodeMetrics"/>) and the web pages (when enabled). An application embedding AGServer picks
    /// what it wants instead.
    /// </summary>
    public static void MapNode(WebApplication app)
    {
        app.MapAGServer();
        app.MapAGServerHealth();
        app.MapAGServerMetrics();
        app.MapAGServerWebUi();
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
