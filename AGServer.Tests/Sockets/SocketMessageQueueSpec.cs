using Akka.Actor;
using Akka.Dispatch;
using AGServer.Sockets.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Sockets;

/// <summary>The socket actors' small mailbox queue: order, growth and shrinking, many senders, and that sockets use it.</summary>
public sealed class SocketMessageQueueSpec : ServerTestKit
{
    [Fact]
    public void Messages_come_out_in_the_order_they_went_in_across_growth_and_after_a_burst_drained()
    {
        var queue = new SocketMessageQueue();
        Assert.False(queue.HasMessages);
        // Interleaved: the ring wraps before it grows, so growth has to unwrap it.
        var next = 0;
        for (var i = 0; i < 3; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));
        for (var i = 0; i < 2; i++) Assert.Equal(next++, Dequeue(queue));
        for (var i = 3; i < 300; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));
        Assert.Equal(298, queue.Count);
        while (queue.HasMessages) Assert.Equal(next++, Dequeue(queue));
        Assert.Equal(300, next);
        Assert.False(queue.TryDequeue(out _));

        // Drained after the burst (and back to its small ring): still a queue.
        for (var i = 0; i < 10; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));
        for (var i = 0; i < 10; i++) Assert.Equal(i, Dequeue(queue));
    }

    [Fact]
    public async Task Many_senders_and_one_reader_lose_nothing_and_keep_each_senders_order()
    {
        var queue = new SocketMessageQueue();
        const int senders = 4, each = 20_000;
        var reading = Task.Run(() =>
        {
            var last = Enumerable.Repeat(-1, senders).ToArray();
            var read = 0;
            while (read < senders * each)
            {
                if (!queue.TryDequeue(out var envelope)) continue;
                var (sender, n) = ((int, int))envelope.Message;
                Assert.Equal(last[sender] + 1, n);
                last[sender] = n;
                read++;
            }
            return read;
        });
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(() =>
        {
            for (var n = 0; n < each; n++) queue.Enqueue(ActorRefs.Nobody, new Envelope((s, n), ActorRefs.NoSender));
        })));
        Assert.Equal(senders * each, await reading.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(queue.HasMessages);
    }

    [Fact]
    public async Task Socket_actors_use_it()
    {
        var server = await StartServer();
        var transport = await Open(server);
        var actor = (ActorRefWithCell)await transport.Attached;
        Assert.IsType<SocketMessageQueue>(((ActorCell)actor.Underlying).Mailbox!.MessageQueue);
    }

    private static int Dequeue(SocketMessageQueue queue)
    {
        Assert.True(queue.TryDequeue(out var envelope));
        return (int)envelope.Message;
    }
}
