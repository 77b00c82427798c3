using Akka.Hosting;
using AGServer.Server;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AGServer.Hosting;

/// <summary>The default node application: Kestrel on <c>--port</c> (8000), one AGServer node. Used by the Host and the Conformance app.</summary>
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
        if (MetricsOn(builder.Configuration))
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(Server.AGServerMetrics.MeterName).AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// <c>Metrics:Prometheus</c> (<c>--Metrics:Prometheus=true</c>, <c>Metrics__Prometheus=true</c>): the node exports its
    /// metrics through OpenTelemetry and answers Prometheus scrapes on <c>/metrics</c>.
    /// </summary>
    internal static bool MetricsOn(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration.GetValue<bool>(MetricsKey);

    private const string MetricsKey = "Metrics:Prometheus";

    /// <summary>
    /// Everything a node serves: the SocketCluster WebSockets (<c>MapAGServer</c>), its health, its Prometheus scrapes
    /// (when on) and the web pages (when enabled). An application embedding AGServer picks what it wants instead.
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
