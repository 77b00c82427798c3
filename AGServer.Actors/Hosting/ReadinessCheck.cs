using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AGServer.Hosting;

/// <summary>Ready once the node has joined its cluster and started its channels; not ready again once shutdown begins.</summary>
internal sealed class ReadinessCheck(SocketClusterServer server) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(server.IsReady
            ? HealthCheckResult.Healthy("Joined the cluster; accepting sockets")
            : HealthCheckResult.Unhealthy("Joining the cluster, or shutting down"));
}
