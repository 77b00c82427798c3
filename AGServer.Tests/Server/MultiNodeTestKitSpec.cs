using AGServer.Client;
using Akka.Actor;
using Akka.Cluster.Sharding;
using AGServer.Protocol;
using AGServer.Sockets;
using AGServer.Testing;
using AGServer.Tests.Actors;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>AGServer.Testing with several in-memory nodes in one cluster: cross-node behaviour in an application's own suite.</summary>
public sealed class MultiNodeTestKitSpec : AGServerTestKit
{
    private sealed record Whisper(string Text);

    private sealed record Headline(string Title);

    private sealed record Login(string User);

    private static void MapApplication(SocketClusterServer server)
    {
        server.MapProcedure("login", (Login login, AGRequestContext context) =>
            context.Socket.SetAuthTokenAsync(new { sub = login.User }, cancellationToken: context.ConnectionClosed));
        RoomSetup.Start(server);
    }

    [Fact]
    public async Task Users_channels_and_actor_errors_reach_clients_on_another_node()
    {
        var one = await StartServerAsync(o => o.AuthKey = "a key shared by the cluster's nodes");
        var two = await StartNodeAsync(o => o.AuthKey = "a key shared by the cluster's nodes");
        Assert.Equal([one, two], Nodes);
        foreach (var node in Nodes) MapApplication(node);
        await using var onOne = await ConnectAsync(one);
        await using var onTwo = await ConnectAsync(two);

        // A whisper told on node 1 reaches ann's socket on node 2.
        await onTwo.InvokeAsync("login", new { user = "ann" });
        await AwaitConditionAsync(() => Task.FromResult(two.Users.Local("ann").Count == 1));
        var whisper = onTwo.NextEventAsync<Whisper>("whisper");
        one.Users.Tell("ann", SocketCommand.Transmit("whisper", new Whisper("your turn")));
        Assert.Equal("your turn", (await whisper)!.Text);

        // A publish from node 2 reaches a subscriber on node 1, typed.
        await onOne.SubscribeAsync("news");
        await onTwo.PublishAsync("news", new Headline("cross-node"));
        Assert.Equal("cross-node", (await onOne.NextPublishAsync<Headline>("news"))!.Title);

        // A room's own error reaches the client by name, wherever the room lives.
        foreach (var room in Enumerable.Range(0, 6).Select(i => $"room-{i}"))
        {
            var illegal = await Assert.ThrowsAsync<AGClientError>(() => onTwo.InvokeAsync("move", new { room, x = 9, y = 9 }));
            Assert.Equal("IllegalMoveError", illegal.Name);
        }
    }
}
