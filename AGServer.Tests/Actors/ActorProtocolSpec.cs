using AGServer.Client;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Akka.Streams.Dsl;
using Akka.TestKit;
using AGServer.Server;
using AGServer.Sockets;
using GameRoom;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Actors;

/// <summary>Application actors and sockets: the socket actor protocol, requests routed to actors, sockets by id and by user, events to actors.</summary>
public sealed class ActorProtocolSpec : AGServerTestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_application_actor_transmits_to_and_invokes_a_client_and_gets_its_answer()
    {
        var server = await StartServerAsync(o => o.AckTimeout = 300);
        await using var client = await ConnectAsync();
        client.OnInvoke("add", data => data.GetProperty("a").GetInt32() + data.GetProperty("b").GetInt32());
        client.Socket.OnInvoke<JsonElement, int>("nobodyAnswers", (_, _) => new TaskCompletionSource<int>().Task);   // a client that never answers
        var socket = server.Clients[client.Id].ActorRef;
        var app = CreateTestProbe();

        var note = client.NextEventAsync("note");
        app.Send(socket, SocketCommand.Transmit("note", new { text = "hi" }));
        Assert.Equal("hi", (await note).GetProperty("text").GetString());

        app.Send(socket, SocketCommand.Invoke("add", new { a = 2, b = 3 }, correlationId: "c1"));
        var result = app.ExpectMsg<InvokeReply>(Wait);
        Assert.Equal((client.Id, "add", 5, "c1"), (result.SocketId, result.Event, result.Data.GetInt32(), result.CorrelationId));

        app.Send(socket, SocketCommand.Invoke("nobodyAnswers"));
        var failed = app.ExpectMsg<InvokeReply>(Wait);
        Assert.Equal("TimeoutError", failed.Error?.Name);
        Assert.False(failed.Succeeded);
    }

    [Fact]
    public async Task Commands_set_and_remove_the_token_kick_out_and_disconnect()
    {
        var server = await StartServerAsync();
        await using var client = await ConnectAsync();
        var socket = server.Clients[client.Id];
        await client.SubscribeAsync("news");

        socket.ActorRef.Tell(SocketCommand.SetAuthToken(new { sub = "ann" }));
        Assert.NotNull(await client.NextTokenAsync());
        Assert.Equal("ann", socket.UserId);
        socket.ActorRef.Tell(SocketCommand.RemoveAuthToken);
        Assert.Null(await client.NextTokenAsync());
        Assert.Null(socket.UserId);

        var kickedOut = new TaskCompletionSource<JsonElement?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Array.Find(client.Socket.Subscriptions(), channel => channel.Name == "news")!.KickedOut += (_, message) => kickedOut.TrySetResult(message);
        socket.ActorRef.Tell(SocketCommand.KickOut("news", "bye"));
        Assert.Equal("bye", (await kickedOut.Task.WaitAsync(Wait))?.GetString());
        socket.ActorRef.Tell(SocketCommand.Disconnect(4321, "done"));
        Assert.Equal((4321, "done"), await client.Closed.WaitAsync(Wait));
    }

    [Fact]
    public async Task Sockets_are_told_by_id_and_users_by_their_token_claim()
    {
        var server = await StartServerAsync();
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        await using var other = await ConnectAsync();
        server.Clients[first.Id].ActorRef.Tell(SocketCommand.SetAuthToken(new { sub = "ann" }));
        server.Clients[second.Id].ActorRef.Tell(SocketCommand.SetAuthToken(new { sub = "ann" }));
        server.Clients[other.Id].ActorRef.Tell(SocketCommand.SetAuthToken(new { sub = "bob" }));
        await Task.WhenAll(first.NextTokenAsync(), second.NextTokenAsync(), other.NextTokenAsync());

        var direct = other.NextEventAsync("direct");
        server.Sockets.Tell(other.Id, SocketCommand.Transmit("direct", 1));
        Assert.Equal(1, (await direct).GetInt32());

        var (forFirst, forSecond) = (first.NextEventAsync("forAnn"), second.NextEventAsync("forAnn"));
        server.Users.Tell("ann", SocketCommand.Transmit("forAnn", 2));
        Assert.Equal(2, (await forFirst).GetInt32());
        Assert.Equal(2, (await forSecond).GetInt32());
        Assert.Equal(2, server.Users.Local("ann").Count);
    }

    [Fact]
    public async Task A_command_for_a_closed_socket_goes_to_dead_letters_and_is_counted()
    {
        var server = await StartServerAsync();
        var client = await ConnectAsync();
        var id = client.Id;
        var socket = server.Clients[id].ActorRef;
        await client.DisposeAsync();
        await AwaitConditionAsync(() => Task.FromResult(server.Sockets.Local(id) is null), Wait);
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        server.Sockets.Tell(id, SocketCommand.Transmit("late"));
        Assert.IsType<SocketCommand>(deadLetters.ExpectMsg<DeadLetter>(Wait).Message);
        Assert.Equal(1, server.Sockets.UndeliveredCount);

        socket.Tell(SocketCommand.Transmit("later"));  // by its actor ref: Akka's own dead letters
        Assert.IsType<SocketCommand>(deadLetters.ExpectMsg<DeadLetter>(Wait).Message);
    }

    [Fact]
    public async Task A_procedure_routed_to_a_sharded_room_is_answered_by_the_room_which_broadcasts_to_its_players()
    {
        var server = await StartServerAsync();
        RoomSetup.Start(server);
        await using var ann = await ConnectAsync();
        await using var bob = await ConnectAsync();
        var (annFirst, bobFirst) = (ann.NextEventAsync("state"), bob.NextEventAsync("state"));

        Assert.Equal(1, (await ann.InvokeAsync<MoveAccepted>("move", new Move("r1", 1, 1)))!.Moves);
        Assert.Equal(1, (await annFirst).GetProperty("moves").GetInt32());
        Assert.Equal(2, (await bob.InvokeAsync<MoveAccepted>("move", new Move("r1", 2, 2)))!.Moves);
        Assert.Equal(2, (await ann.NextEventAsync("state")).GetProperty("moves").GetInt32());
        Assert.Equal(2, (await bobFirst).GetProperty("moves").GetInt32());
        Assert.Equal(1, (await bob.InvokeAsync<MoveAccepted>("move", new Move("r2", 0, 0)))!.Moves);   // another room
    }

    [Fact]
    public async Task The_README_messages_reach_a_user_and_await_a_clients_answer()
    {
        var server = await StartServerAsync();
        await using var client = await ConnectAsync();
        var socket = server.Clients[client.Id].ActorRef;
        socket.Tell(SocketCommand.SetAuthToken(new { sub = "ann" }));
        await client.NextTokenAsync();
        client.OnInvoke("ready?", _ => "yes");
        var whisper = client.NextEventAsync("whisper");

        var reply = await RoomSetup.Messages(server, socket);
        Assert.Equal("your turn", (await whisper).GetProperty("text").GetString());
        Assert.Equal("yes", Assert.IsType<InvokeReply>(reply).Data.GetString());
    }

    [Fact]
    public async Task An_actor_that_does_not_answer_a_routed_procedure_costs_a_TimeoutError_and_a_failure_an_error()
    {
        var server = await StartServerAsync(o => o.AckTimeout = 300);
        var silent = CreateTestProbe();
        var failing = Sys.ActorOf(Props.Create(() => new FailingActor()));
        server.MapProcedure("silent", silent.Ref);
        server.MapProcedure("failing", failing);
        await using var client = await ConnectAsync();

        var timeout = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("silent"));
        Assert.Equal("TimeoutError", timeout.Name);
        var failure = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("failing"));
        Assert.Equal(("NoSeatsError", "The room is full"), (failure.Name, failure.Message));
    }

    private sealed class FailingActor : ReceiveActor
    {
        public FailingActor() =>
            Receive<ActorRequest>(_ => Sender.Tell(new Status.Failure(new AGServer.Protocol.AGError("NoSeatsError", "The room is full"))));
    }

    [Fact]
    public async Task A_receiver_routed_to_an_actor_can_answer_through_the_socket_it_came_from()
    {
        var server = await StartServerAsync();
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        server.MapReceiver("shout", echo);
        await using var client = await ConnectAsync();

        await client.TransmitAsync("shout", "hello");
        Assert.Equal("HELLO", (await client.NextEventAsync("echo")).GetString());
    }

    private sealed class EchoActor : ReceiveActor
    {
        public EchoActor() =>
            Receive<ActorRequest>(r => Sender.Tell(SocketCommand.Transmit("echo", r.DataAs<string>()!.ToUpperInvariant())));
    }

    [Fact]
    public async Task Server_events_reach_an_actor_with_backpressure_acknowledgements()
    {
        var server = await StartServerAsync();
        var app = CreateTestProbe();
        // README:events
        server.Listener(ServerEvents.Connection).RunWith(
            Sink.ActorRefWithAck<ConnectEvent>(app.Ref, onInitMessage: "init", ackMessage: "ack", onCompleteMessage: "done"),
            server.Materializer);
        // README:end
        app.ExpectMsg("init", Wait);
        app.Reply("ack");
        await using var client = await ConnectAsync();
        Assert.Equal(client.Id, app.ExpectMsg<ConnectEvent>(Wait).Id);
        app.Reply("ack");
    }
}
