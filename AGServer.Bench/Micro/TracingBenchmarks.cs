using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using AGServer.Server;

namespace AGServer.Bench.Micro;

/// <summary>
/// What tracing costs an invoke and a publish: with no listener (the default) each place checks one flag and makes
/// nothing; with a listener recording every span, the span's cost.
/// </summary>
[Config(typeof(MicroConfig))]
public class TracingBenchmarks
{
    private ActivityListener? _listener;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (!Listening) return;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AGServerTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [GlobalCleanup]
    public void Cleanup() => _listener?.Dispose();

    /// <summary>An answered invoke's span (AGRequest): started detached, ended with its outcome.</summary>
    [Benchmark]
    public bool InvokeSpan()
    {
        var span = AGServerTracing.StartDetached("echo", ActivityKind.Server, "akka.tcp://agserver@127.0.0.1:8001");
        AGServerTracing.End(span, null);
        return span is null;
    }

    /// <summary>A publish's span in the broker: scoped to the routing of the message.</summary>
    [Benchmark]
    public bool PublishSpan()
    {
        using var span = AGServerTracing.StartScoped("publish", ActivityKind.Producer, "akka.tcp://agserver@127.0.0.1:8001");
        return span is null;
    }
}
