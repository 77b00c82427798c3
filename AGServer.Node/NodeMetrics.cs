using System.Reflection;
using AGServer.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AGServer.Hosting;

/// <summary>
/// A node's telemetry through OpenTelemetry, each part off unless turned on (<c>--Metrics:Prometheus=true</c>,
/// <c>Metrics__Prometheus=true</c>...): metrics scraped by Prometheus on <c>/metrics</c> (<c>Metrics:Prometheus</c>)
/// or pushed by OTLP (<c>Metrics:Otlp</c>), traces pushed by OTLP (<c>Tracing:Otlp</c>; the spans of
/// <see cref="SocketClusterServer.ActivitySourceName"/>). OTLP goes where OpenTelemetry's own settings say
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>; gRPC on localhost:4317 by default).
/// Metrics are AGServer's own (<see cref="SocketClusterServer.MeterName"/>) and .NET's <c>System.Runtime</c> meter (GC
/// heap and collections, thread pool, lock contention, the process's CPU time and working set). The node names itself
/// <c>service.name</c> <c>agserver</c> (<c>Metrics:ServiceName</c> or OpenTelemetry's <c>OTEL_SERVICE_NAME</c> change
/// it), with its version and, as <c>service.instance.id</c>, its cluster address (in Prometheus's <c>target_info</c>).
/// </summary>
public static class NodeMetrics
{
    private const string PrometheusKey = "Metrics:Prometheus";

    /// <summary>The <c>service.name</c> a node reports unless configured otherwise.</summary>
    public const string DefaultServiceName = "agserver";

    /// <summary>.NET's built-in runtime and process metrics (GC, thread pool, locks, CPU, memory).</summary>
    private const string RuntimeMeterName = "System.Runtime";

    private const string OtlpMetricsKey = "Metrics:Otlp";
    private const string OtlpTracesKey = "Tracing:Otlp";

    internal static bool On(IConfiguration configuration) => configuration.GetValue<bool>(PrometheusKey);

    internal static void Add(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var prometheus = On(configuration);
        var otlpMetrics = configuration.GetValue<bool>(OtlpMetricsKey);
        var otlpTraces = configuration.GetValue<bool>(OtlpTracesKey);
        if (!prometheus && !otlpMetrics && !otlpTraces) return;
        var serviceName = configuration["OTEL_SERVICE_NAME"] ?? configuration["Metrics:ServiceName"] ?? DefaultServiceName;
        var version = typeof(SocketClusterServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // service.instance.id is the node's cluster address (what the dashboard, the logs and the spans name it by).
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: version, autoGenerateServiceInstanceId: false)
                .AddDetector(services => new NodeAddressDetector(services.GetRequiredService<SocketClusterServer>())));
        if (prometheus || otlpMetrics)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(SocketClusterServer.MeterName, RuntimeMeterName);
                if (prometheus) metrics.AddPrometheusExporter();
                if (otlpMetrics) metrics.AddOtlpExporter();
            });
        }
        if (otlpTraces) telemetry.WithTracing(tracing => tracing.AddSource(SocketClusterServer.ActivitySourceName).AddOtlpExporter());
    }

    /// <summary>Prometheus scrapes on <c>/metrics</c>, when <c>Metrics:Prometheus</c> is on (nothing otherwise).</summary>
    public static IEndpointRouteBuilder MapAGServerMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (On(endpoints.ServiceProvider.GetRequiredService<IConfiguration>())) endpoints.MapPrometheusScrapingEndpoint();
        return endpoints;
    }
}

/// <summary>Names the node's telemetry by its cluster address (<c>service.instance.id</c>).</summary>
internal sealed class NodeAddressDetector(SocketClusterServer server) : IResourceDetector
{
    public Resource Detect() => new([new KeyValuePair<string, object>("service.instance.id", server.Health().Address)]);
}
