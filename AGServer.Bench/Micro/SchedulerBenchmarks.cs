using AGServer.Hosting;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using BenchmarkDotNet.Attributes;

namespace AGServer.Bench.Micro;

/// <summary>
/// The timer load of a busy node (a socket's invoke or subscribe timeout, answered in time): several threads each
/// schedule a 10 s timer and cancel it, on AGServer's scheduler against Akka's wheel. Per timer, on the scheduling
/// threads; each scheduler's own thread takes them meanwhile.
/// </summary>
[Config(typeof(MicroConfig))]
public class SchedulerBenchmarks
{
    private const int PerInvoke = 40_000;

    private static readonly Config Settings = ConfigurationFactory.ParseString("""
        akka.scheduler.tick-duration = 100ms
        akka.scheduler.ticks-per-wheel = 512
        akka.scheduler.shutdown-timeout = 5s
        """);

    private IScheduler _coalescing = null!;
    private IScheduler _wheel = null!;

    [Params(1, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _coalescing = new CoalescingScheduler(Settings, NoLogger.Instance);
        _wheel = new HashedWheelTimerScheduler(Settings, NoLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ((IDisposable)_coalescing).Dispose();
        ((IDisposable)_wheel).Dispose();
    }

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public void Coalescing() => Run(_coalescing);

    [Benchmark(Baseline = true, OperationsPerInvoke = PerInvoke)]
    public void AkkaWheel() => Run(_wheel);

    private void Run(IScheduler scheduler)
    {
        var perThread = PerInvoke / Threads;
        var threads = new Task[Threads];
        for (var t = 0; t < threads.Length; t++)
            threads[t] = Task.Factory.StartNew(() =>
            {
                for (var i = 0; i < perThread; i++)
                {
                    var cancelable = new Cancelable(scheduler);
                    scheduler.Advanced.ScheduleOnce(TimeSpan.FromSeconds(10), Nothing, cancelable);
                    cancelable.Cancel();
                }
            }, TaskCreationOptions.LongRunning);
        Task.WaitAll(threads);
    }

    private static readonly Action Nothing = () => { };
}
