using System.Text.Json;
using System.Threading.Channels;
using AGServer.Client;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>The handler API (MapProcedure, MapReceiver, middleware delegates), driven through AGServer.Testing's client.</summary>
public sealed class HandlersSpec : AGServerTestKit
{
    private sealed record Sum(int A, int B);

    /// <summary>A scoped service: one per call, disposed when the call ends.</summary>
    private sealed class CallScope : IDisposable
    {
        private static int _made;

        public int Number { get; } = Interlocked.Increment(ref _made);

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    [Fact]
    public async Task A_typed_procedure_gets_its_data_and_a_scoped_service_per_call()
    {
        var server = await StartServerAsync(services: s => s.AddScoped<CallScope>());
        var scopes = new List<CallScope>();
        server.MapProcedure("sum", (Sum data, CallScope scope) =>
        {
            lock (scopes) scopes.Add(scope);
            return data.A + data.B;
        });
        await using var client = await ConnectAsync();

        Assert.Equal(3, await client.InvokeAsync<int>("sum", new { a = 1, b = 2 }));
        Assert.Equal(7, await client.InvokeAsync<int>("sum", new Sum(3, 4)));
        Assert.Equal(2, scopes.Count);
        Assert.NotEqual(scopes[0].Number, scopes[1].Number);
        Assert.All(scopes, scope => Assert.True(scope.Disposed));
    }

    [Fact]
    public async Task Data_that_does_not_fit_is_answered_with_InvalidArgumentsError_without_calling_the_handler()
    {
        var server = await StartServerAsync();
        var calls = 0;
        server.MapProcedure("sum", (Sum data) => Interlocked.Increment(ref calls) + data.A);
        server.MapProcedure("square", (int n) => n * n);
        await using var client = await ConnectAsync();

        var error = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("sum", new { a = "one" }));
        Assert.Equal("InvalidArgumentsError", error.Name);
        var missing = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("square"));
        Assert.Equal("InvalidArgumentsError", missing.Name);
        Assert.Equal(0, calls);
        Assert.Equal(16, await client.InvokeAsync<int>("square", 4));
    }

    [Fact]
    public async Task A_handler_may_answer_the_request_itself_and_return_nothing()
    {
        var server = await StartServerAsync();
        server.MapProcedure("refuse", (AGRequest request) => request.Error(new AGError("NotNowError", "Try later")));
        server.MapProcedure("nothing", async Task () => await Task.Yield());
        await using var client = await ConnectAsync();

        var error = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("refuse"));
        Assert.Equal(("NotNowError", "Try later"), (error.Name, error.Message));
        Assert.Equal(System.Text.Json.JsonValueKind.Undefined, (await client.InvokeAsync("nothing")).ValueKind);
    }

    [Fact]
    public async Task A_typed_receiver_gets_each_message_and_one_that_does_not_fit_costs_only_itself()
    {
        var server = await StartServerAsync();
        var got = System.Threading.Channels.Channel.CreateUnbounded<(string Socket, int N)>();
        server.MapReceiver("count", (int n, AGServerSocket socket) => got.Writer.TryWrite((socket.Id, n)));
        await using var client = await ConnectAsync();

        await client.TransmitAsync("count", "not a number");
        await client.TransmitAsync("count", 2);
        Assert.Equal((client.Id, 2), await got.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_handler_with_two_data_parameters_is_refused_when_mapped()
    {
        var server = new SocketClusterServer(Sys, new AGServerOptions());
        var error = Assert.Throws<ArgumentException>(() => server.MapProcedure("bad", (Sum first, Sum second) => first.A + second.A));
        Assert.Contains("first, second", error.Message);
    }

    [Fact]
    public async Task Synchronous_handlers_of_different_sockets_run_at_once()
    {
        var server = await StartServerAsync();
        using var inside = new CountdownEvent(4);
        // Blocks its thread until four calls are inside at once: served one at a time, each would wait in vain.
        server.MapProcedure("spin", (int n) =>
        {
            inside.Signal();
            return inside.Wait(TimeSpan.FromSeconds(10)) ? n : -1;
        });
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ConnectAsync()));

        var answers = await Task.WhenAll(clients.Select((c, i) => c.InvokeAsync<int>("spin", i)));

        Assert.Equal([0, 1, 2, 3], answers);
        foreach (var client in clients) await client.DisposeAsync();
    }

    [Fact]
    public async Task No_more_than_MaxConcurrency_calls_run_at_once()
    {
        var server = await StartServerAsync();
        int running = 0, most = 0;
        server.MapProcedure("spin", (int n) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (server) most = Math.Max(most, now);
            Thread.Sleep(20); // the handler's own blocking work (not a wait of the test): calls overlap if the bound let them
            Interlocked.Decrement(ref running);
            return n;
        }, new HandlerOptions { MaxConcurrency = 2 });
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ConnectAsync()));

        await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 3).Select(i => c.InvokeAsync<int>("spin", i))));

        Assert.InRange(most, 1, 2);
        foreach (var client in clients) await client.DisposeAsync();
    }

    [Fact]
    public async Task Each_sockets_calls_run_in_order_while_other_sockets_go_on()
    {
        var server = await StartServerAsync();
        await HandlerOrderingChecks.EachSocketsCallsRunInOrderWhileOtherSocketsGoOn(
            server.MapProcedure, () => ConnectAsync());
    }

    [Fact]
    public async Task Without_ordering_one_sockets_calls_overlap()
    {
        var server = await StartServerAsync();
        await HandlerOrderingChecks.WithoutOrderingOneSocketsCallsOverlap(
            server.MapProcedure, () => ConnectAsync());
    }

    [Fact]
    public async Task The_token_of_a_call_is_cancelled_when_its_socket_closes()
    {
        var server = await StartServerAsync();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.MapProcedure("wait", async (CancellationToken cancellationToken) =>
        {
            cancellationToken.Register(() => cancelled.TrySetResult());
            running.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        });
        var client = await ConnectAsync();
        _ = client.InvokeAsync("wait").ContinueWith(_ => { });
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await client.DisposeAsync();
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_call_stopped_by_its_sockets_close_is_not_a_failure_and_no_answer_overtakes_the_close()
    {
        var server = await StartServerAsync();
        var errors = Channel.CreateUnbounded<Exception>();
        _ = server.Listener(ServerEvents.Error).RunForeach(e => errors.Writer.TryWrite(e), server.Materializer);
        server.MapProcedure("leave", async (AGRequestContext context) =>
        {
            // The close cancels the token on the socket's own thread, before its close frame is queued. Waits on the
            // close alone (a task nothing completes, given up when the token is cancelled), not on a time.
            context.Socket.Disconnect();
            await new TaskCompletionSource().Task.WaitAsync(context.ConnectionClosed);
        });
        server.MapProcedure("fail", string () => throw new InvalidOperationException("a real failure"));
        var client = await ConnectAsync();

        var stopped = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("leave"));
        Assert.Equal("BadConnectionError", stopped.Name);   // the close, not a ServerError answer ahead of it
        await client.DisposeAsync();
        await using var other = await ConnectAsync();
        await Assert.ThrowsAsync<AGClientError>(() => other.InvokeAsync("fail"));
        // The error event's first item is the real failure: the stopped call reported none before it.
        var reported = await errors.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a real failure", reported.Message);
    }

    [Fact]
    public async Task A_middleware_delegate_allows_replaces_and_blocks_and_fails_closed()
    {
        var server = await StartServerAsync();
        server.MapProcedure("echo", (RawJson data) => data);
        server.SetMiddleware(MiddlewareType.Inbound, async (action, cancellationToken) =>
        {
            await Task.Yield();
            return action switch
            {
                { Type: ActionType.Invoke } when action.Data.AsString() == "replace-me" => MiddlewareDecision.AllowWith("replaced"),
                { Type: ActionType.Subscribe, Channel: "closed" } => MiddlewareDecision.Block(new AGError("ClosedChannelError", "Closed")),
                { Type: ActionType.Subscribe, Channel: "broken" } => throw new InvalidOperationException("the rule is broken"),
                _ => MiddlewareDecision.Allow,
            };
        });
        await using var client = await ConnectAsync();

        Assert.Equal("kept", await client.InvokeAsync<string>("echo", "kept"));
        Assert.Equal("replaced", await client.InvokeAsync<string>("echo", "replace-me"));
        var blocked = await Assert.ThrowsAsync<AGClientError>(() => client.SubscribeAsync("closed"));
        Assert.Equal("ClosedChannelError", blocked.Name);
        var failed = await Assert.ThrowsAsync<AGClientError>(() => client.SubscribeAsync("broken"));
        Assert.Equal("MiddlewareFailedError", failed.Name);
        await client.SubscribeAsync("open");
        Assert.Equal("still", await client.InvokeAsync<string>("echo", "still"));
    }

    [Fact]
    public async Task A_server_invoke_is_typed_and_its_timeout_is_a_TimeoutException()
    {
        var server = await StartServerAsync(o => o.AckTimeout = 200);
        await using var client = await ConnectAsync();
        client.OnInvoke("add", data => data.GetProperty("a").GetInt32() + data.GetProperty("b").GetInt32());
        client.Socket.OnInvoke<JsonElement, int>("nobodyAnswers", (_, _) => new TaskCompletionSource<int>().Task);   // a client that never answers
        var socket = server.Clients[client.Id];

        Assert.Equal(5, await socket.InvokeAsync<int>("add", new { a = 2, b = 3 }));
        await Assert.ThrowsAnyAsync<TimeoutException>(() => socket.InvokeAsync("nobodyAnswers"));
        using var cancel = new CancellationTokenSource();
        var waiting = socket.InvokeAsync("nobodyAnswers", ackTimeout: TimeSpan.FromMinutes(1), cancellationToken: cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
