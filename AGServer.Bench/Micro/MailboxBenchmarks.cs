using Akka.Actor;
using Akka.Dispatch.MessageQueues;
using AGServer.Sockets.Internal;
using BenchmarkDotNet.Attributes;

namespace AGServer.Bench.Micro;

/// <summary>
/// A socket actor's mailbox traffic (a frame in, then out): the small ring the socket actors use against Akka's default
/// unbounded queue, which keeps a 1 KB segment per socket. Neither may allocate per message.
/// </summary>
[Config(typeof(MicroConfig))]
public class MailboxBenchmarks
{
    private readonly SocketMessageQueue _socketQueue = new();
    private readonly UnboundedMessageQueue _akkaQueue = new();
    private readonly Envelope _envelope = new("frame", ActorRefs.NoSender);

    [Benchmark]
    public bool SocketQueueInAndOut() => InAndOut(_socketQueue);

    [Benchmark(Baseline = true)]
    public bool AkkaQueueInAndOut() => InAndOut(_akkaQueue);

    /// <summary>Three messages in and out: a socket seldom has more waiting.</summary>
    private bool InAndOut(IMessageQueue queue)
    {
        queue.Enqueue(ActorRefs.Nobody, _envelope);
        queue.Enqueue(ActorRefs.Nobody, _envelope);
        queue.Enqueue(ActorRefs.Nobody, _envelope);
        return queue.TryDequeue(out _) & queue.TryDequeue(out _) & queue.TryDequeue(out _);
    }
}
