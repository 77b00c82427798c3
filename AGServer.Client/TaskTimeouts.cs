using System;
using System.Threading;
using System.Threading.Tasks;

namespace AGServer.Client;

/// <summary>Waits with a deadline and a token on every target framework (netstandard2.1 has no <c>Task.WaitAsync</c>).</summary>
internal static class TaskTimeouts
{
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan timeout, Func<Exception> onTimeout, CancellationToken cancellationToken)
    {
        if (task.IsCompleted) return await task.ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, stop.Token);
        var first = await Task.WhenAny(task, delay).ConfigureAwait(false);
        if (first == task)
        {
            stop.Cancel(); // the delay's timer goes
            return await task.ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        throw onTimeout();
    }

    public static async Task WaitAsync(this Task task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || !cancellationToken.CanBeCanceled)
        {
            await task.ConfigureAwait(false);
            return;
        }
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(() => cancelled.TrySetCanceled(cancellationToken)))
            await (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false)).ConfigureAwait(false);
    }
}
