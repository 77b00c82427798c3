using AGServer.Sockets.Internal;
using AGServer.Tests.Cluster;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>
/// The node-wide bound on outbound bytes: a publish flood to subscribers that do not keep up slows its publisher down;
/// the subscribers stay connected, the node holds no more than its limit, and other clients are answered.
/// </summary>
public sealed class NodeOutboundLimitSpec
{
    private const long Limit = 1024 * 1024;

    [Fact]
    public async Task At_the_limit_the_publisher_waits_and_its_subscribers_keep_their_connections()
    {
        await using var server = await TestServer.Start(o =>
        {
            o.NodeOutboundLimit = Limit;       // below one socket's own bound (OutboundQueueBytes, 16 MiB): the node's is reached first
            o.RateLimits.Clear();              // the node's bound, not a rate limit, is under test
        });
        await using var js = await JsClients.Start(server.Port);
        await js.Connect("bystander");
        var stalled = new List<RawSocket>();
        for (var i = 0; i < 3; i++)
        {
            var subscriber = await RawSocket.Connect(server.Url, receiveBuffer: 64 * 1024);
            await subscriber.Send("""{"event":"#subscribe","data":{"channel":"flood"},"cid":2}""");
            await subscriber.Receive();        // the ack; from here on it never reads
            stalled.Add(subscriber);
        }
        await using var publisher = await RawSocket.Connect(server.Url);
        var publish = $$$"""{"event":"#publish","data":{"channel":"flood","data":"{{{new string('p', 64 * 1024)}}}"}}""";
        using var stop = new CancellationTokenSource();
        // One send at a time; once stopped, the loop ends when its last send went through (the server reads it again).
        var flooding = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested) await publisher.Send(publish);
        });

        // The kernel's buffers fill first (the subscribers' are fixed small; the server's send buffers take a few
        // megabytes), then the outboxes, up to the node's limit.
        // At the limit the publisher waits (until a quarter is free, which these subscribers never give): its socket stops
        // reading. The outboxes may still hand a little to the kernel, so held settles between three quarters and the limit.
        var publisherTransport = (AGServer.Sockets.WebSocketTransport)server.Server.Clients[publisher.Id!].Transport;
        await ClusterNodes.Eventually(() => publisherTransport.IsInboundPaused && server.Server.OutboundBudget.Held >= Limit / 4 * 3, seconds: 60);
        // Each answer is an event; over twenty of them the flood would have passed any bound if it were still let through.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i, (await js.Invoke("bystander", "echo", i))!.GetValue<int>());
            Assert.InRange(server.Server.OutboundBudget.Held, 0, Limit + 512 * 1024); // the limit, plus one publish to three
        }
        Assert.Equal(5, server.Server.ClientsCount); // nobody was disconnected as a slow consumer

        await stop.CancelAsync();
        foreach (var subscriber in stalled) subscriber.Abort();
        await flooding;
        // Every byte the gone subscribers' outboxes held, the frames being written included, is given back.
        await ClusterNodes.Eventually(() => server.Server.OutboundBudget.Held == 0, seconds: 30);
        // The publisher goes on once the node has room: its invokePublish is answered.
        await publisher.Send("""{"event":"#publish","data":{"channel":"flood","data":"after"},"cid":7}""");
        string? answer;
        do answer = await publisher.Receive(TimeSpan.FromSeconds(30));
        while (answer is not null && !answer.Contains("\"rid\":7"));
        Assert.NotNull(answer);
        Assert.DoesNotContain("error", answer);
    }

    [Fact]
    public void The_budget_reopens_at_three_quarters_of_its_limit()
    {
        var budget = new OutboundBudget(100);
        budget.Add(99);
        Assert.Null(budget.WhenRoom());
        budget.Add(1);
        var room = budget.WhenRoom();
        Assert.NotNull(room);
        Assert.Same(room, budget.WhenRoom());   // every waiter waits for the same reopening
        budget.Release(20);
        Assert.False(room!.IsCompleted);
        budget.Release(5);
        Assert.True(room.IsCompleted);
        Assert.Equal(75, budget.Held);
    }
}
