using System.Threading.Channels;
using AGServer.Server;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>
/// The ordering contract every handler kind keeps (server-wide and per-socket), checked the same way for each:
/// <c>map</c> maps procedure "step" with the given handler and options on a started server.
/// </summary>
internal static class HandlerOrderingChecks
{
    public static async Task EachSocketsCallsRunInOrderWhileOtherSocketsGoOn(Action<Delegate, HandlerOptions?> map, Func<Task<AGTestClient>> connect)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = Channel.CreateUnbounded<string>();
        map(async (string name) =>
        {
            started.Writer.TryWrite(name);
            if (name == "a1") await gate.Task;
            return name;
        }, null);
        await using var a = await connect();
        await using var b = await connect();

        var a1 = a.InvokeAsync<string>("step", "a1");
        Assert.Equal("a1", await started.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        var a2 = a.InvokeAsync<string>("step", "a2");
        Assert.Equal("b1", await b.InvokeAsync<string>("step", "b1"));   // b is not held up by a's slow call
        Assert.Equal("b1", await started.Reader.ReadAsync());
        Assert.False(started.Reader.TryRead(out _));                     // a2 waits for a1
        gate.SetResult();
        Assert.Equal(("a1", "a2"), (await a1, await a2));
    }

    public static async Task WithoutOrderingOneSocketsCallsOverlap(Action<Delegate, HandlerOptions?> map, Func<Task<AGTestClient>> connect)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        map(async (string name) =>
        {
            if (name == "first") await gate.Task;
            return name;
        }, new HandlerOptions { Ordering = HandlerOrdering.None });
        await using var client = await connect();

        var first = client.InvokeAsync<string>("step", "first");
        Assert.Equal("second", await client.InvokeAsync<string>("step", "second"));
        gate.SetResult();
        Assert.Equal("first", await first);
    }
}
