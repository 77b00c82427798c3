using Akka.Actor;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Server;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>The plain parts of channels with features: patterns, history, presence counts, option checks.</summary>
public sealed class ChannelStateSpec : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void The_longest_matching_pattern_decides_and_presence_channels_have_no_features()
    {
        var room = new ChannelFeatures { Presence = true };
        var vip = new ChannelFeatures { HistorySize = 5 };
        var all = new ChannelFeatures { HistorySize = 1 };
        var map = new ChannelFeatureMap(new Dictionary<string, ChannelFeatures> { ["room/*"] = room, ["room/vip/*"] = vip, ["*"] = all, ["exact"] = room });
        Assert.Same(room, map.For("room/1"));
        Assert.Same(vip, map.For("room/vip/2"));
        Assert.Same(all, map.For("other"));
        Assert.Same(room, map.For("exact"));
        Assert.Same(ChannelFeatures.None, map.For("$presence:room/1"));
        Assert.Same(ChannelFeatures.None, new ChannelFeatureMap(null).For("room/1"));
    }

    [Fact]
    public void Bad_channel_options_are_refused_at_start_with_what_to_fix()
    {
        var options = new AGServerOptions
        {
            Channels =
            {
                ["a*b"] = new ChannelFeatures(),
                ["neg/*"] = new ChannelFeatures { HistorySize = -1 },
                ["ttl/*"] = new ChannelFeatures { HistorySize = 1, HistoryTtl = TimeSpan.Zero },
                ["rec/*"] = new ChannelFeatures { Recovery = true },
            },
        };
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(options.Validate);
        Assert.Contains("'a*b' must be a channel name, or a prefix ending in a single '*'", error.Message);
        Assert.Contains("Channels['neg/*'].HistorySize must be 0", error.Message);
        Assert.Contains("Channels['ttl/*'].HistoryTtl must be a positive time span", error.Message);
        Assert.Contains("Channels['rec/*'].Recovery needs a history", error.Message);
    }

    [Fact]
    public void A_history_keeps_the_latest_publications_and_serves_a_recovery_only_without_a_gap()
    {
        var history = new HistoryBuffer(3, TimeSpan.FromSeconds(10));
        for (var i = 1; i <= 5; i++) history.Append([(byte)i], nowMs: i);
        Assert.Equal(5, history.Offset);
        Assert.Equal([3L, 4, 5], history.All.Select(e => e.Offset));
        Assert.Equal([4L, 5], history.Since(history.Epoch, 3, 6)!.Select(e => e.Offset));
        Assert.Equal([3L, 4, 5], history.Since(history.Epoch, 2, 6)!.Select(e => e.Offset));
        Assert.Empty(history.Since(history.Epoch, 5, 6)!);
        Assert.Null(history.Since(history.Epoch, 1, 6)); // 2 was dropped
        Assert.Null(history.Since("other", 4, 6)); // another epoch
        Assert.Null(history.Since(history.Epoch, 9, 6)); // ahead of the channel
        Assert.Equal([4L, 5], history.Latest(2, 6).Select(e => e.Offset));

        Assert.Empty(history.Latest(10, nowMs: 20_000)); // all older than the TTL
        Assert.Equal(5, history.Offset);
    }

    [Fact]
    public void A_history_takes_over_a_handed_off_one_only_before_its_own_first_publication()
    {
        var previous = new HistoryBuffer(10, null);
        previous.Append([1], 0);
        previous.Append([2], 0);
        var next = new HistoryBuffer(10, null);
        Assert.True(next.Adopt(previous.Epoch, previous.Offset, previous.All));
        next.Append([3], 0);
        Assert.Equal((previous.Epoch, 3L), (next.Epoch, next.Offset));

        var busy = new HistoryBuffer(10, null);
        busy.Append([9], 0);
        Assert.False(busy.Adopt(previous.Epoch, previous.Offset, previous.All));
    }

    [Fact]
    public void Presence_counts_sockets_and_distinct_users_and_forgets_a_dead_node_at_once()
    {
        var node1 = CreateTestProbe().Ref;
        var node2 = CreateTestProbe().Ref;
        var presence = new PresenceTracker();
        Assert.True(presence.Join("s1", "alice", node1, "n1"));
        Assert.True(presence.Join("s2", "alice", node2, "n2"));
        Assert.True(presence.Join("s3", null, node2, "n2"));
        Assert.False(presence.Join("s1", "alice", node1, "n1"));
        Assert.Equal((3, 1), (presence.Sockets, presence.Users));

        Assert.Equal("alice", presence.Leave("s1", out var removed));
        Assert.True(removed);
        Assert.Equal((2, 1), (presence.Sockets, presence.Users));
        Assert.Equal([("s2", (string?)"alice"), ("s3", null)], presence.LeaveAll(node2).OrderBy(m => m.SocketId));
        Assert.Equal((0, 0), (presence.Sockets, presence.Users));
    }
}
