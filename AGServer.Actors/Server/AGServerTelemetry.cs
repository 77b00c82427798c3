namespace AGServer.Server;

/// <summary>
/// What to give OpenTelemetry (or <c>dotnet-counters</c>, <c>dotnet-trace</c>) to get a node's metrics and traces:
/// <c>.AddMeter(AGServerTelemetry.MeterName)</c> and <c>.AddSource(AGServerTelemetry.ActivitySourceName)</c>. The default
/// node does both (<c>Metrics:Prometheus</c>, <c>Metrics:Otlp</c>, <c>Tracing:Otlp</c>). docs/OPERATIONS.md lists every
/// instrument and span. With no listener, recording is a flag check.
/// </summary>
public static class AGServerTelemetry
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "AGServer";

    /// <summary>The activity source's name.</summary>
    public const string ActivitySourceName = "AGServer";
}
