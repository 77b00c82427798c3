using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using AGServer.Sockets.Internal;
using BenchmarkDotNet.Attributes;

namespace AGServer.Bench.Micro;

/// <summary>
/// A socket actor's mailbox with several producers at once (the broker's deliveries, handler threads' replies, timers
/// and the receive loop all tell the same socket), one consumer taking as it goes: the socket actors' ring behind a lock
/// against Akka's default <c>ConcurrentQueue</c>. Per message.
/// </summary>
[Config(typeof(MicroConfig))]
public class ContendedMailboxBenchmarks
{
    private const int PerProducer = 10_000;

    private readonly Envelope _envelope = new("frame", ActorRefs.NoSender);

    [Params(2, 4)]
    public int Producers { get; set; }

    [Benchmark(OperationsPerInvoke = 4 * PerProducer)]
    public int SocketQueue() => Run(new SocketMessageQueue(), 4 * PerProducer / Producers);

    [Benchmark(Baseline = true, OperationsPerInvoke = 4 * PerProducer)]
    public int AkkaQueue() => Run(new UnboundedMessageQueue(), 4 * PerProducer / Producers);

    /// <summary>The same number of messages whatever the producers (so per-message figures compare), taken by this thread.</summary>
    private int Run(IMessageQueue queue, int perProducer)
    {
        var producers = new Task[Producers];
        for (var p = 0; p < producers.Length; p++)
            producers[p] = Task.Factory.StartNew(() =>
            {
                for (var i = 0; i < perProducer; i++) queue.Enqueue(ActorRefs.Nobody, _envelope);
            }, TaskCreationOptions.LongRunning);
        var total = perProducer * producers.Length;
        var taken = 0;
        var spin = new SpinWait();
        while (taken < total)
        {
            if (queue.TryDequeue(out _)) taken++;
            else spin.SpinOnce();
        }
        Task.WaitAll(producers);
        return taken;
    }
}
