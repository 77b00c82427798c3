using System.Runtime.CompilerServices;

namespace AGServer.Tests.Support;

/// <summary>
/// Akka.TestKit blocks threads while it starts and stops a spec's actor system (sync-over-async waits). On a 2-core
/// machine the thread pool starts with two threads and adds more only every half second or so, so two specs starting
/// or stopping at once could starve every other spec's timers and continuations for seconds: a server under test then
/// stopped pinging for 1.8 s and closed a socket for a pong timeout. Enough threads up front keep one spec's blocking
/// from stalling the others; nothing in the product relies on this.
/// </summary>
internal static class TestThreadPool
{
    [ModuleInitializer]
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
