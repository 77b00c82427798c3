using AGServer.Sockets.Internal;
using AGServer.SocketCluster;
using Akka.Streams.Dsl;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Testing;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Events;

/// <summary>Close vs kill, backpressure and cleanup of a socket's receivers, procedures and listeners.</summary>
public sealed class StreamManagementSpec : ServerTestKit
{
    private static string Transmit(int n) => $$"""{"event":"r","data":{{n}}}""";

    /// <summary>A receiver consumer stalled on a gate, with five transmits waiting behind it.</summary>
    private async Task<(SocketClusterServer Server, AGServerSocket Socket, InMemoryTransport Transport, TaskCompletionSource Gate, Task<System.Collections.Immutable.IImmutableList<int>> Seen)> StalledReceiver(
        Action<AGServerOptions>? configure = null)
    {
        var server = await StartServer(configure);
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = socket.Receiver("r")
            .SelectAsync(1, async m =>
            {
                await gate.Task;
                return m.Data.ToElement().GetInt32();
            })
            .RunWith(Sink.Seq<int>(), server.Materializer);
        for (var i = 0; i < 5; i++) await transport.Receive(Transmit(i));
        await AwaitConditionAsync(() => Task.FromResult(socket.GetReceiverBackpressure("r") >= 3));
        return (server, socket, transport, gate, seen);
    }

    [Fact]
    public async Task A_slow_receiver_consumer_shows_backpressure()
    {
        var (_, socket, _, gate, seen) = await StalledReceiver();
        var stats = Assert.Single(socket.GetReceiverConsumerStatsList("r"));
        Assert.Equal(socket.GetReceiverBackpressure("r"), stats.Backpressure);
        Assert.True(socket.HasReceiverConsumer("r", stats.Id));
        Assert.True(socket.HasAnyReceiverConsumer(stats.Id));
        Assert.True(socket.GetBackpressure() >= stats.Backpressure);
        Assert.Equal(stats.Backpressure, socket.GetAllReceiversBackpressure());
        gate.SetResult();
        await AwaitConditionAsync(() => Task.FromResult(socket.GetReceiverBackpressure("r") == 0));
        socket.CloseReceiver("r");
        Assert.Equal([0, 1, 2, 3, 4], await seen.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Closing_a_receiver_lets_its_consumer_finish_the_backlog()
    {
        var (_, socket, _, gate, seen) = await StalledReceiver();
        socket.CloseReceiver("r");
        gate.SetResult();
        Assert.Equal([0, 1, 2, 3, 4], await seen.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Killing_a_receiver_ends_its_consumer_at_once_and_resets_backpressure()
    {
        var (_, socket, _, gate, seen) = await StalledReceiver();
        socket.KillReceiver("r");
        Assert.Equal(0, socket.GetReceiverBackpressure("r"));
        gate.SetResult();
        Assert.True((await seen.WaitAsync(TimeSpan.FromSeconds(10))).Count < 5);
    }

    [Fact]
    public async Task Procedures_and_listeners_close_and_kill_the_same_way()
    {
        var server = await StartServer();
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var procedure = socket.Procedure("p").Select(r =>
        {
            requested.TrySetResult();
            return r;
        }).RunWith(Sink.Seq<AGRequest>(), server.Materializer);
        var listener = socket.Listener(SocketEvents.Raw).RunWith(Sink.Seq<string>(), server.Materializer);
        await transport.Receive("""{"event":"p","data":1,"cid":5}""");
        await transport.Receive("raw text");
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(10));

        socket.CloseAllProcedures();
        socket.KillListener("raw");
        Assert.Single(await procedure.WaitAsync(TimeSpan.FromSeconds(10)));
        await listener.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(socket.GetAllListenersConsumerStatsList());
    }

    [Fact]
    public async Task Server_wide_procedures_can_be_killed_by_consumer()
    {
        var server = await StartServer();
        var done = server.Procedure("sp").RunWith(Sink.Ignore<AGRequest>(), server.Materializer);
        var consumer = Assert.Single(server.GetProcedureConsumerStatsList("sp"));
        Assert.True(server.HasAnyProcedureConsumer(consumer.Id));
        server.KillProcedureConsumer(consumer.Id);
        await done.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(server.HasProcedureConsumer("sp", consumer.Id));
    }

    [Theory]
    [InlineData(SocketStreamCleanupMode.Kill, false)]
    [InlineData(SocketStreamCleanupMode.Close, true)]
    public async Task After_end_the_cleanup_mode_kills_or_closes_the_socket_streams(SocketStreamCleanupMode mode, bool backlogDelivered)
    {
        var (_, socket, transport, gate, seen) = await StalledReceiver(o => o.SocketStreamCleanupMode = mode);
        await transport.HangUp(1000);
        // Killed or closed, the consumer is detached from the receiver at the socket's end.
        await AwaitConditionAsync(() => Task.FromResult(socket.GetReceiverConsumerStatsList("r").Count == 0));
        gate.SetResult();
        var received = await seen.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(backlogDelivered, received.Count == 5);
    }

    [Fact]
    public async Task With_no_cleanup_mode_the_socket_streams_stay_open_after_end()
    {
        var (server, socket, transport, gate, seen) = await StalledReceiver(o => o.SocketStreamCleanupMode = SocketStreamCleanupMode.None);
        var ended = socket.Listener(SocketEvents.End).RunWith(Sink.First<CloseEvent>(), server.Materializer);
        await transport.HangUp(1000);
        await ended.WaitAsync(TimeSpan.FromSeconds(10));
        gate.SetResult();
        await AwaitConditionAsync(() => Task.FromResult(socket.GetReceiverBackpressure("r") == 0));
        Assert.False(seen.IsCompleted);
        socket.CloseAllReceivers();
        Assert.Equal(5, (await seen.WaitAsync(TimeSpan.FromSeconds(10))).Count);
    }

    [Theory]
    [InlineData(SocketStreamCleanupMode.Kill)]
    [InlineData(SocketStreamCleanupMode.Close)]
    public async Task A_stream_started_on_a_socket_after_its_end_ends_at_once(SocketStreamCleanupMode mode)
    {
        // An application's connection handler may run after the client already dropped (a fast churn): the streams it
        // starts then must end, not wait forever holding a materialised stream.
        var server = await StartServer(o => o.SocketStreamCleanupMode = mode);
        var (transport, _) = await OpenAndHandshake(server);
        var socket = Assert.Single(server.Clients.Values);
        var ended = socket.Listener(SocketEvents.End).RunWith(Sink.First<CloseEvent>(), server.Materializer);
        await transport.HangUp(1000);
        await ended.WaitAsync(TimeSpan.FromSeconds(10));

        var procedure = socket.Procedure("late").RunWith(Sink.Ignore<AGRequest>(), server.Materializer);
        var receiver = socket.Receiver("late").RunWith(Sink.Ignore<ReceivedMessage>(), server.Materializer);
        var listener = socket.Listener(SocketEvents.Message).RunWith(Sink.Ignore<string>(), server.Materializer);
        await Task.WhenAll(procedure, receiver, listener).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(socket.GetAllProceduresConsumerStatsList());
    }
}
