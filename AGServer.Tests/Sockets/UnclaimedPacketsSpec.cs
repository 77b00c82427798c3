using AGServer.Protocol;
using AGServer.Sockets.Internal;
using Xunit;

namespace AGServer.Tests.Sockets;

public sealed class UnclaimedPacketsSpec
{
    private static UnclaimedPackets.Held Packet(string name, long cid, long deadline = 1000) => new(name, cid, RawJson.Null, deadline);

    [Fact]
    public void Released_packets_come_out_in_arrival_order_and_only_for_claimed_names()
    {
        var held = new UnclaimedPackets(10);
        held.Add(Packet("a", 1));
        held.Add(Packet("b", 2));
        held.Add(Packet("a", 3));
        var released = new List<UnclaimedPackets.Held>();
        held.Release(p =>
        {
            if (p.Name != "a") return false;
            released.Add(p);
            return true;
        });
        Assert.Equal([1L, 3L], released.Select(p => p.Cid!.Value));
        Assert.True(held.Holds("b", invoke: true));
        Assert.False(held.Holds("a", invoke: true));
    }

    [Fact]
    public void Beyond_the_limit_the_oldest_packet_is_dropped()
    {
        var held = new UnclaimedPackets(2);
        Assert.Null(held.Add(Packet("a", 1)));
        Assert.Null(held.Add(Packet("a", 2)));
        Assert.Equal(1, held.Add(Packet("a", 3))!.Value.Cid);
        Assert.Equal(2, held.Count);
    }

    [Fact]
    public void Expired_packets_are_removed_in_arrival_order_and_the_next_deadline_is_the_earliest_left()
    {
        var held = new UnclaimedPackets(10);
        held.Add(Packet("a", 1, deadline: 10));
        held.Add(Packet("a", 2, deadline: 40));
        held.Add(Packet("b", 3, deadline: 30));   // a shorter deadline than an older packet's (an unknown procedure's)
        held.Add(Packet("b", 4, deadline: 20));
        var expired = held.Expire(now: 20);
        Assert.Equal([1L, 4L], expired.Select(p => p.Cid!.Value));
        Assert.Equal(30, held.NextDeadline);
    }

    [Fact]
    public void A_packet_refused_on_release_keeps_later_ones_of_its_name_behind_it()
    {
        var held = new UnclaimedPackets(10);
        held.Add(Packet("a", 1));
        held.Add(Packet("a", 2));
        var offered = new List<long>();
        // A consumer attaches between the two offers: the second must still not overtake the first.
        var attached = false;
        held.Release(p =>
        {
            offered.Add(p.Cid!.Value);
            var take = attached;
            attached = true;
            return take;
        });
        Assert.Equal([1L], offered);
        Assert.Equal(2, held.Count);
    }

    [Fact]
    public void Beyond_the_byte_limit_the_oldest_packets_are_dropped()
    {
        var held = new UnclaimedPackets(100, maxBytes: 10);
        var six = new RawJson("\"abcd\""u8.ToArray());
        held.Add(new UnclaimedPackets.Held("a", 1, six, 1000));
        Assert.Equal(1, held.Add(new UnclaimedPackets.Held("a", 2, six, 1000))!.Value.Cid);
        Assert.Equal(1, held.Count);
    }
}
