using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>Malformed pub/sub packets get InvalidActionError (answered when there is a cid) and the socket stays open.</summary>
public sealed class PubSubBadInputSpec(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("""{"event":"#subscribe","data":{"nochannel":1},"cid":2}""", "Subscribe channel name was malformatted")]
    [InlineData("""{"event":"#subscribe","data":"text","cid":2}""", "Subscribe channel name was malformatted")]
    [InlineData("""{"event":"#publish","data":{"channel":5},"cid":2}""", "Publish channel name was malformatted")]
    [InlineData("""{"event":"#unsubscribe","data":{"channel":"c"},"cid":2}""", "Unsubscribe channel name was malformatted")]
    public async Task A_malformed_packet_is_answered_with_InvalidActionError(string packet, string message)
    {
        await using var socket = await RawSocket.Connect(fixture.Server.Url);
        await socket.Send(packet);
        var answer = await socket.Receive();
        Assert.Contains("\"rid\":2", answer);
        Assert.Contains("\"name\":\"InvalidActionError\"", answer);
        Assert.Contains(message, answer);
        await socket.Send("""{"event":"echo","data":"open","cid":3}""");
        Assert.Equal("""{"rid":3,"data":"open"}""", await socket.Receive());
    }

    [Fact]
    public async Task Unsubscribing_from_a_channel_not_subscribed_is_an_error_not_a_crash()
    {
        await using var socket = await RawSocket.Connect(fixture.Server.Url);
        await socket.Send("""{"event":"#unsubscribe","data":"never","cid":2}""");
        var answer = await socket.Receive();
        Assert.Contains("\"name\":\"BrokerError\"", answer);
        Assert.Contains("not subscribed", answer);
        await socket.Send("""{"event":"echo","data":"open","cid":3}""");
        Assert.Equal("""{"rid":3,"data":"open"}""", await socket.Receive());
    }

    [Fact]
    public async Task A_subscribe_then_publish_in_one_batch_delivers_the_publish_to_the_subscriber()
    {
        await using var socket = await RawSocket.Connect(fixture.Server.Url);
        await socket.Send("""[{"event":"#subscribe","data":{"channel":"batched"},"cid":2},{"event":"#publish","data":{"channel":"batched","data":"x"}}]""");
        Assert.Equal("""{"rid":2}""", await socket.Receive());
        Assert.Equal("""{"event":"#publish","data":{"channel":"batched","data":"x"}}""", await socket.Receive());
    }
}
