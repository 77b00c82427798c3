using Akka.Actor;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Channels;

public sealed class ChannelMessageSerializerSpec : ServerTestKit
{
    private static readonly string[] Kinds = { "RN", "UN", "NR", "RR", "RL", "R", "R-empty", "RA", "RV", "D", "WS", "SR", "SR-members", "SP", "PA", "PF", "PJ", "PL", "PQ", "PR", "HQ", "HQ-recover", "HA", "HH", "HD", "HR", "HK", "HF", "SR-tail", "JP" };

    private object Message(string kind) => kind switch
    {
        "RN" => new RegisterNode("c", TestActor, 3),
        "UN" => new UnregisterNode("c", TestActor),
        "NR" => new NodeRegistered("c", 3),
        "RR" => new RouteRequest("c", TestActor),
        "RL" => new ReleaseRoutes("c", TestActor),
        "R" => new Routes("c", [TestActor, CreateTestProbe().Ref], 12),
        "R-empty" => new Routes("c", [], 0),
        "RA" => new RoutesAck("c", 12),
        "RV" => new RoutesRevoked("c"),
        "D" => new Deliver("c/é", [5, 6]),
        "WS" => new WhoSubscribes("c", TestActor),
        "SR" => new SubscriptionReport("c", TestActor, true, true),
        "SR-members" => new SubscriptionReport("c", TestActor, true, false, [new PresenceMember("s1", "u", "n1"), new PresenceMember("s2", null, "n1")]),
        "SP" => new SequencedPublish("c", [1, 2], TestActor, 9, new PublishKey(-77, 9)),
        "PA" => new PublishAccepted(9),
        "PF" => new PublishFailed(9, "why"),
        "PJ" => new PresenceJoin("c", TestActor, "s1", null),
        "PL" => new PresenceLeave("c", TestActor, "s1"),
        "PQ" => new PresenceQuery("c", true, TestActor, 3),
        "PR" => new PresenceAnswer("c", 3, true, 2, 1, [new PresenceMember("s1", "u", "n1")]),
        "HQ" => new HistoryQuery("c", null, 0, 10, TestActor, 4),
        "HQ-recover" => new HistoryQuery("c", "e1", 7, int.MaxValue, TestActor, -1),
        "HA" => new HistoryAnswer("c", 4, true, "e1", 12, true, [[1], [2, 3]]),
        "HH" => new HistoryHandoff("c", "e1", 12, Entries),
        "HD" => new HistoryDeliver("c", "e1", Entries[1], true),
        "HR" => new HistoryReplicate("c", "e1", 12, Entries),
        "HK" => new HistoryReplicated("c", "e1", 12),
        "HF" => new HistoryForget("c"),
        "JP" => new JournaledPublication("e1", 12, [1, 2], 1_700_000_000_000, new PublishKey(5, 6)),
        "SR-tail" => new SubscriptionReport("c", TestActor, false, false, null, new HistoryTail("e1", 12, Entries)),
        _ => throw new ArgumentException(kind),
    };

    private static readonly HistoryBuffer.Entry[] Entries =
        [new(11, [1], Environment.TickCount64 - 5_000, new PublishKey(3, 4)), new(12, [2], Environment.TickCount64 - 10, default)];

    /// <summary>Entries compare by content; their time travels as an age, so it may come back a few milliseconds later.</summary>
    private static void SameEntries(HistoryBuffer.Entry[] sent, HistoryBuffer.Entry[] got)
    {
        Assert.Equal(sent.Select(e => (e.Offset, e.Key)), got.Select(e => (e.Offset, e.Key)));
        Assert.Equal(sent.Select(e => e.Frame), got.Select(e => e.Frame));
        Assert.All(sent.Zip(got), pair => Assert.InRange(pair.Item2.AddedAtMs - pair.Item1.AddedAtMs, 0, 1_000));
    }

    /// <summary>One actor system for every kind (a system per case costs seconds each).</summary>
    [Fact]
    public void Every_cross_node_message_round_trips_through_the_compact_serializer()
    {
        foreach (var kind in Kinds)
        {
            try
            {
                RoundTrips(kind);
            }
            catch (Exception error)
            {
                throw new Xunit.Sdk.XunitException($"{kind}: {error.Message}");
            }
        }
    }

    private void RoundTrips(string kind)
    {
        var message = Message(kind);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ChannelMessageSerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        // Records compare by value; byte arrays by content.
        switch (message)
        {
            case Routes r:
                var s = Assert.IsType<Routes>(back);
                Assert.Equal((r.Channel, r.Version), (s.Channel, s.Version));
                Assert.Equal(r.Brokers, s.Brokers);
                break;
            case SubscriptionReport { Tail: { } tail } r:
                var t2 = Assert.IsType<SubscriptionReport>(back);
                Assert.Equal((tail.Epoch, tail.Offset), (t2.Tail!.Epoch, t2.Tail.Offset));
                SameEntries(tail.Entries, t2.Tail.Entries);
                Assert.Equal(r with { Tail = null }, t2 with { Tail = null });
                break;
            case SubscriptionReport { Members: { } members } r:
                var r2 = Assert.IsType<SubscriptionReport>(back);
                Assert.Equal(members, r2.Members);
                Assert.Equal(r with { Members = null }, r2 with { Members = null });
                break;
            case SequencedPublish p:
                var q = Assert.IsType<SequencedPublish>(back);
                Assert.Equal((p.Channel, p.ReplyTo, p.Correlation, p.Key), (q.Channel, q.ReplyTo, q.Correlation, q.Key));
                Assert.Equal(p.Frame, q.Frame);
                break;
            case PresenceAnswer a:
                var a2 = Assert.IsType<PresenceAnswer>(back);
                Assert.Equal(a.Members, a2.Members);
                Assert.Equal(a with { Members = [] }, a2 with { Members = [] });
                break;
            case HistoryAnswer h:
                var h2 = Assert.IsType<HistoryAnswer>(back);
                Assert.Equal(h.Frames, h2.Frames);
                Assert.Equal(h with { Frames = [] }, h2 with { Frames = [] });
                break;
            case HistoryHandoff o:
                var o2 = Assert.IsType<HistoryHandoff>(back);
                Assert.Equal((o.Channel, o.Epoch, o.Offset), (o2.Channel, o2.Epoch, o2.Offset));
                SameEntries(o.Entries, o2.Entries);
                break;
            case HistoryReplicate c:
                var c2 = Assert.IsType<HistoryReplicate>(back);
                Assert.Equal((c.Channel, c.Epoch, c.Offset), (c2.Channel, c2.Epoch, c2.Offset));
                SameEntries(c.Entries, c2.Entries);
                break;
            case HistoryDeliver v:
                var v2 = Assert.IsType<HistoryDeliver>(back);
                Assert.Equal((v.Channel, v.Epoch, v.Replica), (v2.Channel, v2.Epoch, v2.Replica));
                SameEntries([v.Entry], [v2.Entry]);
                break;
            case JournaledPublication j:
                var j2 = Assert.IsType<JournaledPublication>(back);
                Assert.Equal((j.Epoch, j.Offset, j.AddedAtUnixMs, j.Key), (j2.Epoch, j2.Offset, j2.AddedAtUnixMs, j2.Key));
                Assert.Equal(j.Frame, j2.Frame);
                break;
            case Deliver d:
                var e = Assert.IsType<Deliver>(back);
                Assert.Equal(d.Channel, e.Channel);
                Assert.Equal(d.Frame, e.Frame);
                break;
            default:
                Assert.Equal(message, back);
                break;
        }
    }
}
