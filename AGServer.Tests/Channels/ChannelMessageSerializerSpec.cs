using Akka.Actor;
using AGServer.Channels.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Channels;

public sealed class ChannelMessageSerializerSpec : ServerTestKit
{
    public static TheoryData<string> Messages => new() { "RN", "UN", "NR", "P", "P-noreply", "PA", "D", "WS", "SR" };

    private object Message(string kind) => kind switch
    {
        "RN" => new RegisterNode("c", TestActor, 3),
        "UN" => new UnregisterNode("c", TestActor),
        "NR" => new NodeRegistered("c", 3),
        "P" => new Publish("c", [1, 2, 3], TestActor, 9),
        "P-noreply" => new Publish("c", [4], null, 0),
        "PA" => new PublishAccepted(9),
        "D" => new Deliver("c/é", [5, 6]),
        "WS" => new WhoSubscribes("c", TestActor),
        "SR" => new SubscriptionReport("c", TestActor, true),
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
            case Publish p:
                var q = Assert.IsType<Publish>(back);
                Assert.Equal((p.Channel, p.ReplyTo, p.Correlation), (q.Channel, q.ReplyTo, q.Correlation));
                Assert.Equal(p.Frame, q.Frame);
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
