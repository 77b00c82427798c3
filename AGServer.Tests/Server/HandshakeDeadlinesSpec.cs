using Akka.Actor;
using Akka.TestKit;
using AGServer.Server.Internal;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>The server's one timer for handshake timeouts: who is told, in what order, and who is not.</summary>
public sealed class HandshakeDeadlinesSpec : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task Sockets_still_waiting_at_their_deadline_are_told_and_removed_ones_are_not()
    {
        using var deadlines = new HandshakeDeadlines(timeout: 100);
        var probe = CreateTestProbe();
        var sockets = Enumerable.Range(0, 6).Select(i => Sys.ActorOf(Props.Create(() => new Forwarder(i, probe.Ref)))).ToArray();
        var tickets = sockets.Select(deadlines.Add).ToArray();
        deadlines.Remove(tickets[1]);
        deadlines.Remove(tickets[4]);

        // Each socket is its own actor, so the order in which they report is theirs, not the deadlines'.
        var told = new List<int>();
        for (var i = 0; i < 4; i++) told.Add(await probe.ExpectMsgAsync<int>(TimeSpan.FromSeconds(5)));
        Assert.Equal([0, 2, 3, 5], told.Order());
        await AwaitAssertAsync(() => Assert.Equal(0, deadlines.Waiting));
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_burst_past_the_ring_size_keeps_every_ticket_and_the_ring_serves_later_sockets()
    {
        using var deadlines = new HandshakeDeadlines(timeout: 150);
        var probe = CreateTestProbe();
        var sockets = Enumerable.Range(0, 300).Select(i => Sys.ActorOf(Props.Create(() => new Forwarder(i, probe.Ref)))).ToArray();
        var tickets = sockets.Select(deadlines.Add).ToArray();
        for (var i = 0; i < tickets.Length; i += 3) deadlines.Remove(tickets[i]);

        var told = new List<int>();
        for (var i = 0; i < 200; i++) told.Add(await probe.ExpectMsgAsync<int>(TimeSpan.FromSeconds(10)));
        Assert.Equal(Enumerable.Range(0, 300).Where(i => i % 3 != 0), told.Order());
        await AwaitAssertAsync(() => Assert.Equal(0, deadlines.Waiting));
        await probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        // Emptied (and shrunk), the ring arms its timer again for the next arrival.
        deadlines.Add(sockets[0]);
        Assert.Equal(0, await probe.ExpectMsgAsync<int>(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_ticket_removed_after_its_deadline_passed_touches_no_newer_socket()
    {
        using var deadlines = new HandshakeDeadlines(timeout: 50);
        var probe = CreateTestProbe();
        var first = Sys.ActorOf(Props.Create(() => new Forwarder(1, probe.Ref)));
        var second = Sys.ActorOf(Props.Create(() => new Forwarder(2, probe.Ref)));
        var stale = deadlines.Add(first);
        Assert.Equal(1, await probe.ExpectMsgAsync<int>(TimeSpan.FromSeconds(5)));
        await AwaitAssertAsync(() => Assert.Equal(0, deadlines.Waiting));

        deadlines.Add(second);
        deadlines.Remove(stale);
        Assert.Equal(2, await probe.ExpectMsgAsync<int>(TimeSpan.FromSeconds(5)));
    }

    /// <summary>Stands for a socket actor: reports its number when its deadline passes.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(int number, IActorRef probe) => Receive<HandshakeDeadlines.Expired>(_ => probe.Tell(number));
    }
}
