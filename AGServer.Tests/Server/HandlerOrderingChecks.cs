using System.Threading.Channels;
using AGServer.Server;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>
/// The ordering contract every handler kind keeps (server-wide and per-socket), checked the same way for each:
/// <c>map</c> maps a procedure with the given name, handler and options on a started server.
/// </summary>
internal static class HandlerOrderingChecks
{
    public static async Task EachSocketsCallsRunInOrderWhileOtherSocketsGoOn(Action<string, Delegate, HandlerOptions?> map, Func<Task<AGTestClient>> connect)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = Channel.CreateUnbounded<string>();
        var ended = new List<string>();
        var running = new HashSet<char>();
        var overlapped = false;
        map("step", async (string name) =>
        {
            lock (ended) overlapped |= !running.Add(name[0]);   // two calls of one socket at once
            started.Writer.TryWrite(name);
            if (name == "a1") await gate.Task;
            else if (name[1] % 2 == 0) await Task.Yield();     // some end asynchronously, some synchronously
            lock (ended)
            {
                running.Remove(name[0]);
                ended.Add(name);
            }
            return name;
        }, null);
        map("probe", () => "ok", null);
        await using var a = await connect();
        await using var b = await connect();

        var a1 = a.InvokeAsync<string>("step", "a1");
        Assert.Equal("a1", await started.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        var later = Enumerable.Range(2, 5).Select(i => a.InvokeAsync<string>("step", $"a{i}")).ToArray();
        // The socket handles its packets in order: once its probe is answered, a2..a6 have reached the handler's queue.
        Assert.Equal("ok", await a.InvokeAsync<string>("probe"));
        Assert.Equal("b1", await b.InvokeAsync<string>("step", "b1"));   // b is not held up by a's slow call
        Assert.Equal("b1", await started.Reader.ReadAsync());
        Assert.False(started.Reader.TryRead(out var early), $"{early} started while a1 was running");
        gate.SetResult();
        Assert.Equal(new[] { "a1", "a2", "a3", "a4", "a5", "a6" }, new[] { await a1 }.Concat(await Task.WhenAll(later)));
        lock (ended)
        {
            Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6"], ended.Where(n => n[0] == 'a'));   // completion order
            Assert.False(overlapped);
        }
    }

    public static async Task WithoutOrderingOneSocketsCallsOverlap(Action<string, Delegate, HandlerOptions?> map, Func<Task<AGTestClient>> connect)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        map("step", async (string name) =>
        {
            if (name == "first") await gate.Task;
            return name;
        }, new HandlerOptions { InOrderPerSocket = false });
        await using var client = await connect();

        var first = client.InvokeAsync<string>("step", "first");
        Assert.Equal("second", await client.InvokeAsync<string>("step", "second"));
        gate.SetResult();
        Assert.Equal("first", await first);
    }
}
