using Akka.Actor;
using AGServer.Channels.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Channels;

public sealed class ChannelMessageSerializerSpec : ServerTestKit
{
    public static TheoryData<string> Messages => new() { "RN", "UN", "NR", "RR", "RL", "R", "R-empty", "RA", "RV", "D", "WS", "SR" };

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
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_cross_node_message_round_trips_through_the_compact_serializer(string kind)
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
