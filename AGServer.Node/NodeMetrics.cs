using System.Reflection;
using AGServer.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AGServer.Hosting;

/// <summary>
/// A node's metrics through OpenTelemetry, scraped by Prometheus on <c>/metrics</c>, when <c>Metrics:Prometheus</c>
/// is on (<c>--Metrics:Prometheus=true</c>, <c>Metrics__Prometheus=true</c>): AGServer's own
/// (<see cref="AGServerMetrics.MeterName"/>) and .NET's <c>System.Runtime</c> meter (GC heap and collections, thread
/// pool, lock contention, the process's CPU time and working set). The node names itself <c>service.name</c>
/// <c>agserver</c> (<c>Metrics:ServiceName</c> or OpenTelemetry's <c>OTEL_SERVICE_NAME</c> change it), with its version
/// and an instance id, in Prometheus's <c>target_info</c>.
/// </summary>
public static class NodeMetrics
{
    private const string PrometheusKey = "Metrics:Prometheus";

    /// <summary>The <c>service.name</c> a node reports unless configured otherwise.</summary>
    public const string DefaultServiceName = "agserver";

    /// <summary>.NET's built-in runtime and process metrics (GC, thread pool, locks, CPU, memory).</summary>
    private const string RuntimeMeterName = "System.Runtime";

    internal static bool On(IConfiguration configuration) => configuration.GetValue<bool>(PrometheusKey);

    internal static void Add(WebApplicationBuilder builder)
    {
        if (!On(builder.Configuration)) return;
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Configuration["Metrics:ServiceName"] ?? DefaultServiceName;
        var version = typeof(SocketClusterServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: version))
            .WithMetrics(metrics => metrics.AddMeter(AGServerMetrics.MeterName, RuntimeMeterName).AddPrometheusExporter());
    }

    /// <summary>Prometheus scrapes on <c>/metrics</c>, when <c>Metrics:Prometheus</c> is on (nothing otherwise).</summary>
    public static IEndpointRouteBuilder MapAGServerMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (On(endpoints.ServiceProvider.GetRequiredService<IConfiguration>())) endpoints.MapPrometheusScrapingEndpoint();
        return endpoints;
    }
}
