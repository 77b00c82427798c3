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
        var released = held.Release(name => name == "a");
        Assert.Equal([1L, 3L], released.Select(p => p.Cid!.Value));
        Assert.True(held.Holds("b"));
        Assert.False(held.Holds("a"));
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
    public void Expired_packets_are_removed_and_counted_by_name()
    {
        var held = new UnclaimedPackets(10);
        held.Add(Packet("a", 1, deadline: 10));
        held.Add(Packet("a", 2, deadline: 20));
        held.Add(Packet("b", 3, deadline: 30));
        var expired = held.Expire(now: 20);
        Assert.Equal(2, expired["a"]);
        Assert.Equal(30, held.NextDeadline);
    }
}
