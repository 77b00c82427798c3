using AGServer.Protocol;
using AGServer.Sockets.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>The node-wide bound on inbound bytes: large messages from many sockets cannot exhaust the node.</summary>
public sealed class NodeInboundLimitSpec
{
    [Fact]
    public async Task A_message_the_node_has_no_room_for_closes_its_socket_with_4101_and_gives_the_room_back()
    {
        await using var server = await TestServer.Start(o =>
        {
            o.NodeInboundLimit = 256 * 1024;
            o.InboundWindow = 64 * 1024;
            o.MaxPayload = 4 * 1024 * 1024;
        });
        await using var js = await JsClients.Start(server.Port);
        await js.Connect("bystander");

        await using var socket = await RawSocket.Connect(server.Url);
        await socket.Send($$"""{"event":"echo","data":"{{new string('x', 600_000)}}","cid":2}""");

        Assert.Equal(CloseCodes.InboundBudgetExceeded, await socket.WaitForClose());
        Assert.Equal("still here", (await js.Invoke("bystander", "echo", "still here"))!.GetValue<string>());
        // A message that fits is read and answered; nothing of either message stays counted.
        var fits = new string('y', 100_000);
        Assert.Equal(fits, (await js.Invoke("bystander", "echo", fits))!.GetValue<string>());
        await AGServer.Tests.Cluster.ClusterNodes.Eventually(() => server.Server.InboundBudget.Held == 0, seconds: 10);
    }

    [Fact]
    public void At_the_limit_reading_waits_until_a_quarter_of_the_limit_is_free()
    {
        var budget = new InboundBudget(100);
        Assert.True(budget.TryReserve(60));
        Assert.False(budget.TryReserve(41));
        Assert.Null(budget.WhenRoom());
        budget.Add(40);
        var room = budget.WhenRoom();
        Assert.NotNull(room);
        budget.Release(20);
        Assert.False(room!.IsCompleted);
        budget.Release(5);
        Assert.True(room.IsCompleted);
        Assert.Equal(75, budget.Held);
    }

    [Fact]
    public async Task A_wait_for_room_racing_the_release_that_makes_room_is_never_left_waiting()
    {
        // Lock-free (every frame passes through the budget): the release may land between the waiter's look at the
        // total and its publishing, so either side must wake it. Once both are done each budget holds 70 of 100, under
        // the three quarters at which waiters go on: no waiter may be pending.
        const int rounds = 20_000;
        var budgets = Enumerable.Range(0, rounds).Select(_ => new InboundBudget(100)).ToArray();
        foreach (var budget in budgets) budget.Add(100);
        var rooms = new Task?[rounds];
        using var start = new Barrier(2);
        var waiter = Task.Factory.StartNew(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                start.SignalAndWait();
                rooms[round] = budgets[round].WhenRoom();
            }
        }, TaskCreationOptions.LongRunning);
        var releaser = Task.Factory.StartNew(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                start.SignalAndWait();
                budgets[round].Release(30);
            }
        }, TaskCreationOptions.LongRunning);
        await Task.WhenAll(waiter, releaser);
        var pending = rooms.Count(room => room is { IsCompleted: false });
        Assert.True(pending == 0, $"{pending} of {rounds} waiters were left waiting at 70 of 100");
        Assert.Contains(rooms, room => room is not null);
    }
}
