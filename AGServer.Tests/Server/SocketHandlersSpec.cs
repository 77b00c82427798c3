using AGServer.Streams;
using AGServer.Client;
using AGServer.SocketCluster;
using System.Threading.Channels;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Testing;
using Akka.Streams.Dsl;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>
/// Per-socket handlers (AGServerSocket.MapProcedure / MapReceiver): mapped for each socket in the connection listener,
/// the SocketCluster way, served without a stream per socket, contained like the server-wide handlers.
/// </summary>
public sealed class SocketHandlersSpec : AGServerTestKit
{
    private async Task<SocketClusterServer> StartWithPerSocket(Action<AGServerSocket> map, Action<AGServerOptions>? configure = null)
    {
        var server = await StartServerAsync(configure);
        _ = server.Listener(ServerEvents.Connection).RunForeach(connection => map(connection.Socket), server.Materializer);
        return server;
    }

    [Fact]
    public async Task A_procedure_mapped_in_the_connection_listener_answers_each_socket_from_its_own_closure()
    {
        // One lambda, a new closure per socket: the binding is compiled once, and each socket's call uses its own closure.
        await StartWithPerSocket(socket =>
        {
            var id = socket.Id;
            socket.MapProcedure("whoami", (int n) => $"{id}:{n}");
        });
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();

        // Invoked right after connecting: held until the connection listener has mapped it, then answered.
        var fromA = a.InvokeAsync<string>("whoami", 1);
        var fromB = b.InvokeAsync<string>("whoami", 2);
        Assert.Equal($"{a.Id}:1", await fromA);
        Assert.Equal($"{b.Id}:2", await fromB);
        Assert.Equal($"{a.Id}:3", await a.InvokeAsync<string>("whoami", 3));
    }

    [Fact]
    public async Task A_handler_that_throws_costs_only_its_request_and_the_procedure_goes_on()
    {
        var server = await StartWithPerSocket(socket => socket.MapProcedure("half", (int n) =>
            n % 2 == 0 ? n / 2 : throw new InvalidOperationException($"{n} is odd")));
        var errors = Channel.CreateUnbounded<Exception>();
        _ = server.Listener(ServerEvents.Error).RunForeach(e => errors.Writer.TryWrite(e), server.Materializer);
        await using var client = await ConnectAsync();

        Assert.Equal(2, await client.InvokeAsync<int>("half", 4));
        var failed = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("half", 3));
        Assert.Equal("ServerError", failed.Name);
        var invalid = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("half", "four"));
        Assert.Equal("InvalidArgumentsError", invalid.Name);
        Assert.Equal(5, await client.InvokeAsync<int>("half", 10));
        var reported = await errors.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("3 is odd", reported.Message);
    }

    [Fact]
    public async Task A_sockets_requests_are_served_in_order_and_other_sockets_go_on()
    {
        var server = await StartServerAsync();
        await HandlerOrderingChecks.EachSocketsCallsRunInOrderWhileOtherSocketsGoOn(MapPerSocket(server), () => ConnectAsync());
    }

    [Fact]
    public async Task Without_ordering_a_sockets_requests_overlap()
    {
        var server = await StartServerAsync();
        await HandlerOrderingChecks.WithoutOrderingOneSocketsCallsOverlap(MapPerSocket(server), () => ConnectAsync());
    }

    /// <summary>Maps a procedure on each socket that connects from now on, in the connection listener.</summary>
    private static Action<string, Delegate, HandlerOptions?> MapPerSocket(SocketClusterServer server) => (name, handler, options) =>
        _ = server.Listener(ServerEvents.Connection).RunForeach(c => c.Socket.MapProcedure(name, handler, options), server.Materializer);

    [Fact]
    public async Task A_receiver_gets_its_sockets_messages()
    {
        var got = Channel.CreateUnbounded<(string Socket, int N)>();
        await StartWithPerSocket(socket => socket.MapReceiver("count", (int n, AGServerSocket from) => got.Writer.TryWrite((from.Id, n))));
        await using var client = await ConnectAsync();

        await client.TransmitAsync("count", "not a number");
        await client.TransmitAsync("count", 7);
        Assert.Equal((client.Id, 7), await got.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task It_is_a_consumer_of_the_sockets_procedure_stream_and_ends_with_it()
    {
        var server = await StartWithPerSocket(socket => socket.MapProcedure("ping", () => "pong"));
        await using var client = await ConnectAsync();
        Assert.Equal("pong", await client.InvokeAsync<string>("ping"));
        var socket = server.Clients[client.Id];

        Assert.Single(socket.GetProcedureConsumerStatsList("ping"));
        socket.KillProcedure("ping");
        await AwaitConditionAsync(() => Task.FromResult(!socket.Procedures.HasConsumers("ping")));

        // Mapped again on the same socket, it serves again.
        socket.MapProcedure("ping", () => "pong again");
        Assert.Equal("pong again", await client.InvokeAsync<string>("ping"));
    }

    [Fact]
    public async Task When_the_socket_closes_its_handlers_end_and_one_mapped_afterwards_never_attaches()
    {
        var server = await StartWithPerSocket(socket => socket.MapProcedure("ping", () => "pong"));
        var client = await ConnectAsync();
        Assert.Equal("pong", await client.InvokeAsync<string>("ping"));
        var socket = server.Clients[client.Id];
        await client.DisposeAsync();
        await AwaitConditionAsync(() => Task.FromResult(socket.State == SocketState.Closed && !socket.Procedures.HasConsumers("ping")));

        socket.MapProcedure("late", () => "never");
        Assert.False(socket.Procedures.HasConsumers("late"));
        Assert.Empty(socket.GetProcedureConsumerStatsList("late"));
    }

    [Fact]
    public async Task Requests_beyond_the_stream_bound_are_refused_with_BufferOverflowError()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartWithPerSocket(socket => socket.MapProcedure("wait", async (int n) =>
        {
            started.TrySetResult();
            await gate.Task;
            return n;
        }), o => o.StreamBufferLimit = 2);
        await using var client = await ConnectAsync();

        var running = client.InvokeAsync<int>("wait", 0);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = new[] { client.InvokeAsync<int>("wait", 1), client.InvokeAsync<int>("wait", 2) };
        var refused = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("wait", 3));
        Assert.Equal("BufferOverflowError", refused.Name);
        gate.SetResult();
        Assert.Equal(0, await running);
        Assert.Equal(new[] { 1, 2 }, await Task.WhenAll(queued));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_when_mapped()
    {
        var server = await StartServerAsync();
        await using var client = await ConnectAsync();
        var socket = server.Clients[client.Id];

        Assert.Throws<ArgumentException>(() => socket.MapProcedure("", () => 1));
        Assert.Throws<ArgumentNullException>(() => socket.MapReceiver("r", null!));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => socket.MapProcedure("p", () => 1, new HandlerOptions { MaxConcurrency = 0 }));
        Assert.Contains("MaxConcurrency", error.Message);
        Assert.False(socket.Procedures.HasConsumers("p"));
    }
}
