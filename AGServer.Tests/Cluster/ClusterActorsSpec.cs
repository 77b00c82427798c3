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
        one.Server.Users.Tell("ann", new SocketCommands.Transmit("whisper", new { n = 1 }));
        Assert.Equal(1, (await onTwo.WaitFor("ann", "receiver:whisper")).Data!["n"]!.GetValue<int>());
        Assert.Equal(1, (await onThree.WaitFor("ann", "receiver:whisper")).Data!["n"]!.GetValue<int>());

        // By id: an invoke of bob's client (on node 3) from node 1, answered back to an actor on node 1.
        var bobId = three.Server.Users.Local("bob").Single().Id;
        one.Server.Sockets.Tell(bobId, new SocketCommands.Transmit("whisper", new { n = 7 }));
        Assert.Equal(7, (await onThree.WaitFor("bob", "receiver:whisper")).Data!["n"]!.GetValue<int>());
        await onThree.Call("procedure", new { client = "bob", procedure = "ready?", reply = "echo" });
        var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        one.Server.Sockets.Tell(bobId, new SocketCommands.Invoke("ready?", "sure?"), one.System.ActorOf(Props.Create(() => new Catcher(reply))));
        var answer = Assert.IsType<SocketReplies.InvokeResult>(await reply.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal((bobId, "sure?"), (answer.SocketId, answer.Data.GetString()));

        // A sharded room, wherever it lives, answers players on nodes 2 and 3 and broadcasts to both.
        Assert.Equal(1, (await onTwo.Invoke("ann", "move", new { room = "lobby", x = 1, y = 2 }))!["moves"]!.GetValue<int>());
        Assert.Equal(2, (await onThree.Invoke("bob", "move", new { room = "lobby", x = 3, y = 4 }))!["moves"]!.GetValue<int>());
        await onTwo.WaitFor("ann", "receiver:state", e => e.Data!["moves"]!.GetValue<int>() == 2);
        await onThree.WaitFor("bob", "receiver:state", e => e.Data!["moves"]!.GetValue<int>() == 2);

        // Node 3 crashes: ann is still reached on node 2, at once.
        await three.System.Terminate();
        one.Server.Users.Tell("ann", new SocketCommands.Transmit("whisper", new { n = 2 }));
        await onTwo.WaitFor("ann", "receiver:whisper", e => e.Data!["n"]!.GetValue<int>() == 2);

        // Once the crashed node is removed, a command for one of its sockets is undeliverable, and counted.
        await ClusterNodes.Eventually(() => Akka.Cluster.Cluster.Get(one.System).State.Members.Count == 2, seconds: 60);
        one.Server.Sockets.Tell(bobId, new SocketCommands.Transmit("whisper", new { n = 3 }));
        Assert.Equal(1, one.Server.Sockets.UndeliveredCount);
    }
}
