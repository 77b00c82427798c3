using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AGServer.Server;

namespace AGServer.Hosting;

/// <summary>
/// AGServer inside any ASP.NET Core application: <c>AddAGServer</c> registers the node's services,
/// <c>WithAGServer</c> adds its part to an Akka.Hosting actor system, <c>MapAGServer</c> serves its sockets and
/// <c>MapAGServerHealth</c> / <c>MapAGServerWebUi</c> the rest. One class, one file per thing it extends.
/// </summary>
public static partial class AGServerHostingExtensions
{
    /// <summary>
    /// Registers an AGServer node: <see cref="AGServerOptions"/> through the Options pattern (bound from the
    /// <c>AGServer</c> configuration section, then <paramref name="configure"/>; validated at start, with messages that
    /// say what to fix), the <see cref="SocketClusterServer"/>, its start and stop with the host, the WebSocket
    /// middleware, and the node's <see cref="NodeOptions"/> (from the configuration: <c>--port</c> makes Kestrel listen
    /// on that port). The actor system comes from Akka.Hosting: this adds one named <c>agserver</c> with
    /// <see cref="WithAGServer"/> and <paramref name="configureAkka"/> (the application's own
    /// actors, shard regions and settings, on the same system), unless the application added its own <c>AddAkka</c>
    /// before this call; that one must then call <c>WithAGServer</c>. Called again, it only adds <paramref name="configure"/>.
    /// </summary>
    public static IServiceCollection AddAGServer(
        this IServiceCollection services,
        Action<AGServerOptions>? configure = null,
        Action<AkkaConfigurationBuilder, IServiceProvider>? configureAkka = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AGServerOptions>();
        // A second call (after AGServerApp.CreateBuilder, say) only adds its options: the node is registered once.
        if (services.Any(d => d.ServiceType == typeof(SocketClusterServer)))
        {
            if (configureAkka is not null)
                throw new InvalidOperationException("AddAGServer was already called: pass configureAkka to the first call (or to AGServerApp.CreateBuilder).");
            if (configure is not null) options.Configure(configure);
            return services;
        }
        options.BindConfiguration(AGServerOptions.SectionName);
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AGServerOptions>, AGServerOptionsValidator>());
        services.TryAddSingleton(sp => NodeOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>()));

        if (services.Any(d => d.ServiceType == typeof(AkkaConfigurationBuilder)))
        {
            if (configureAkka is not null)
                throw new InvalidOperationException(
                    "AddAGServer: the application already called AddAkka, so configure its actor system there (and call WithAGServer in it), not through configureAkka.");
        }
        else
        {
            services.AddAkka(NodeOptions.ActorSystemName, (akka, sp) =>
            {
                akka.WithAGServer(sp.GetRequiredService<NodeOptions>());
                configureAkka?.Invoke(akka, sp);
            });
        }

        services.TryAddSingleton(sp => new SocketClusterServer(
            sp.GetRequiredService<ActorSystem>(),
            sp.GetRequiredService<IOptions<AGServerOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp));
        services.AddHostedService<AGServerNode>();
        services.AddHealthChecks().AddCheck<ReadinessCheck>("agserver", tags: [ReadinessCheck.Tag]);
        // Before ListenOnNodePort: Kestrel applies endpoint defaults when an endpoint is added.
        services.AddTransient<IConfigureOptions<KestrelServerOptions>, LeanUpgradeOnEndpoints>();
        services.AddTransient<IConfigureOptions<KestrelServerOptions>, ListenOnNodePort>();
        return services;
    }

    /// <summary>Validates <see cref="AGServerOptions"/> when the host starts, listing every problem.</summary>
    private sealed class AGServerOptionsValidator : IValidateOptions<AGServerOptions>
    {
        public ValidateOptionsResult Validate(string? name, AGServerOptions options) =>
            options.Problems() is { Count: > 0 } problems
                ? ValidateOptionsResult.Fail(problems.Select(p => $"AGServer:{p}"))
                : ValidateOptionsResult.Success;
    }

    /// <summary><see cref="AGServerOptions.LeanUpgrade"/>: every Kestrel endpoint looks at new connections for upgrades first.</summary>
    private sealed class LeanUpgradeOnEndpoints(IOptions<AGServerOptions> options) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            try
            {
                if (!options.Value.LeanUpgrade) return;
            }
            catch (OptionsValidationException)
            {
                return; // reported, with what to fix, when the host starts (ValidateOnStart)
            }
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next =>
                new LeanUpgradeMiddleware(next, listen.ApplicationServices, kestrel.Limits).OnConnectionAsync));
        }
    }

    /// <summary><c>--port</c> (or <c>AGSERVER_PORT</c>), when given, is where Kestrel listens, whatever the route to AddAGServer.</summary>
    private sealed class ListenOnNodePort(NodeOptions node) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            if (node.HttpPort is { } port) kestrel.ListenAnyIP(port);
        }
    }
}
