using Akka;
using AGServer.Sockets;

namespace AGServer.Server.Internal;

/// <summary>
/// <see cref="HandlerOrdering.PerSocket"/>: each socket's calls run one after another, in arrival order, while calls of
/// different sockets overlap. A socket's lane is a chain of tasks, dropped when its last call ends.
/// </summary>
internal sealed class SocketLanes
{
    private readonly Dictionary<string, Task<NotUsed>> _tails = new();

    public Task<NotUsed> Run(AGServerSocket socket, Func<Task<NotUsed>> work)
    {
        Task<NotUsed> next;
        lock (_tails)
        {
            next = _tails.TryGetValue(socket.Id, out var tail)
                ? tail.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap()
                : work();
            _tails[socket.Id] = next;
        }
        next.ContinueWith(done =>
        {
            lock (_tails)
                if (_tails.TryGetValue(socket.Id, out var current) && current == done) _tails.Remove(socket.Id);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return next;
    }
}
