using Akka.Actor;
using AGServer.Sockets;
using AGServer.Tests.Actors;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Cluster;

/// <summary>Application actors reaching sockets across three nodes: by user, by id, by ref, and through a sharded room.</summary>
public sealed class ClusterActorsSpec
{
    /// <summary>An actor that hands the first reply it gets to a test.</summary>
    private sealed class Catcher : ReceiveActor
    {
        public Catcher(TaskCompletionSource<object> reply) => ReceiveAny(message => reply.TrySetResult(message));
    }

    [Fact]
    public async Task Users_sockets_and_rooms_are_reached_on_any_node_and_a_crash_costs_only_its_own_sockets()
    {
        await using var cluster = new ClusterNodes();
        var one = await cluster.Add();
        var two = await cluster.Add();
        var three = await cluster.Add(ClusterNodes.Crashable);
        await cluster.UntilMembersUp(3);
        foreach (var node in cluster.Nodes) RoomSetup.Start(node.Server);
        await using var onTwo = await JsClients.Start(two.Port);
        await using var onThree = await JsClients.Start(three.Port);
        await onTwo.Connect("ann");
        await onThree.Connect("ann");
        await onThree.Connect("bob");
        await onTwo.Invoke("ann", "login", new { token = new { sub = "ann" } });
        await onThree.Invoke("ann", "login", new { token = new { sub = "ann" } });
        await onThree.Invoke("bob", "login", new { token = new { sub = "bob" } });
        foreach (var (js, client) in new[] { (onTwo, "ann"), (onThree, "ann"), (onThree, "bob") })
        {
            await js.Call("receiver", new { client, receiver = "whisper" });
            await js.Call("receiver", new { client, receiver = "state" });
        }

        // By user, from a node where the user has no socket: both of ann's sockets, on two other nodes.
        one.Server.Users.Tell("ann", SocketCommand.Transmit("whisper", new { n = 1 }));
        Assert.Equal(1, (await onTwo.WaitFor("ann", "receiver:whisper")).Data!["n"]!.GetValue<int>());
        Assert.Equal(1, (await onThree.WaitFor("ann", "receiver:whisper")).Data!["n"]!.GetValue<int>());

        // By id: an invoke of bob's client (on node 3) from node 1, answered back to an actor on node 1.
        var bobId = three.Server.Users.Local("bob").Single().Id;
        one.Server.Sockets.Tell(bobId, SocketCommand.Transmit("whisper", new { n = 7 }));
        Assert.Equal(7, (await onThree.WaitFor("bob", "receiver:whisper")).Data!["n"]!.GetValue<int>());
        await onThree.Call("procedure", new { client = "bob", procedure = "ready?", reply = "echo" });
        var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        one.Server.Sockets.Tell(bobId, SocketCommand.Invoke("ready?", "sure?"), one.System.ActorOf(Props.Create(() => new Catcher(reply))));
        var answer = Assert.IsType<InvokeReply>(await reply.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal((bobId, "sure?"), (answer.SocketId, answer.Data.GetString()));

        // A sharded room, wherever it lives, answers players on nodes 2 and 3 and broadcasts to both.
        Assert.Equal(1, (await onTwo.Invoke("ann", "move", new { room = "lobby", x = 1, y = 2 }))!["moves"]!.GetValue<int>());
        Assert.Equal(2, (await onThree.Invoke("bob", "move", new { room = "lobby", x = 3, y = 4 }))!["moves"]!.GetValue<int>());
        await onTwo.WaitFor("ann", "receiver:state", e => e.Data!["moves"]!.GetValue<int>() == 2);
        await onThree.WaitFor("bob", "receiver:state", e => e.Data!["moves"]!.GetValue<int>() == 2);

        // Node 3 crashes: ann is still reached on node 2, at once.
        await three.System.Terminate();
        one.Server.Users.Tell("ann", SocketCommand.Transmit("whisper", new { n = 2 }));
        await onTwo.WaitFor("ann", "receiver:whisper", e => e.Data!["n"]!.GetValue<int>() == 2);

        // Once the crashed node is removed, a command for one of its sockets is undeliverable, and counted.
        await ClusterNodes.Eventually(() => Akka.Cluster.Cluster.Get(one.System).State.Members.Count == 2, seconds: 60);
        one.Server.Sockets.Tell(bobId, SocketCommand.Transmit("whisper", new { n = 3 }));
        Assert.Equal(1, one.Server.Sockets.UndeliveredCount);
    }

    [Fact]
    public async Task Routed_requests_are_checked_before_the_region_and_their_errors_reach_clients_on_every_node()
    {
        await using var cluster = new ClusterNodes();
        var one = await cluster.Add();
        var two = await cluster.Add();
        await cluster.UntilMembersUp(2);
        foreach (var node in cluster.Nodes) RoomSetup.Start(node.Server);
        await using var onOne = await JsClients.Start(one.Port);
        await using var onTwo = await JsClients.Start(two.Port);
        await onOne.Connect("ann");
        await onTwo.Connect("bob");
        var rooms = Enumerable.Range(0, 10).Select(i => $"room-{i}").ToArray();

        foreach (var room in rooms)
        {
            Assert.Equal(1, (await onOne.Invoke("ann", "move", new { room, x = 1, y = 1 }))!["moves"]!.GetValue<int>());
            // Whichever node hosts the room, the room's own error reaches both clients with its name.
            foreach (var (js, client) in new[] { (onOne, "ann"), (onTwo, "bob") })
            {
                var illegal = await Assert.ThrowsAsync<JsError>(() => js.Invoke(client, "move", new { room, x = 99, y = 1 }, ackTimeout: 5000));
                Assert.Equal(("IllegalMoveError", "off the board"), (illegal.Name, illegal.Error["message"]!.GetValue<string>()));
            }
        }

        // Malformed moves are refused before anything reaches a region: answered at once, no room disturbed.
        foreach (object bad in new object[] { "x", new { x = 1 }, new { room = "", x = 1, y = 1 }, 5 })
        {
            var invalid = await Assert.ThrowsAsync<JsError>(() => onTwo.Invoke("bob", "move", bad, ackTimeout: 5000));
            Assert.Equal("InvalidArgumentsError", invalid.Name);
        }
        foreach (var room in rooms)
            Assert.Equal(2, (await onTwo.Invoke("bob", "move", new { room, x = 2, y = 2 }, ackTimeout: 5000))!["moves"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_request_actor_that_throws_answers_at_once_on_any_node()
    {
        await using var cluster = new ClusterNodes();
        var one = await cluster.Add();
        var two = await cluster.Add();
        await cluster.UntilMembersUp(2);
        foreach (var node in cluster.Nodes)
        {
            var region = Akka.Cluster.Sharding.ClusterSharding.Get(node.System).Start("thrower", Props.Create<Thrower>(),
                Akka.Cluster.Sharding.ClusterShardingSettings.Create(node.System), ActorRequest.ShardMessageExtractor(10));
            node.Server.MapProcedure<string>("throw", region, kind => kind);
        }
        await using var onTwo = await JsClients.Start(two.Port);
        await onTwo.Connect("ann");

        foreach (var kind in new[] { "a", "b", "c", "d", "e", "f" })
        {
            var named = await Assert.ThrowsAsync<JsError>(() => onTwo.Invoke("ann", "throw", kind, ackTimeout: 5000));
            Assert.Equal("NoSeatsError", named.Name);
            var bug = await Assert.ThrowsAsync<JsError>(() => onTwo.Invoke("ann", "throw", kind + "!", ackTimeout: 5000));
            Assert.Equal("ServerError", bug.Name);
        }
    }

    /// <summary>Throws on every request: an AGError for a plain id, a bug (a null dereference) for one ending in '!'.</summary>
    private sealed class Thrower : RequestActor
    {
        public Thrower() => Receive<ActorRequest>(request =>
        {
            var kind = request.DataAs<string>()!;
            if (kind.EndsWith('!')) throw new InvalidOperationException("a bug");
            throw new AGServer.Protocol.AGError("NoSeatsError", "The room is full", new Dictionary<string, object?> { ["seats"] = 0 });
        });
    }
}
