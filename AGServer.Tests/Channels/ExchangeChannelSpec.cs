using Akka.Streams.Dsl;
using AGServer.Channels;
using AGServer.Protocol;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>A server subscription's own events: a failure arrives typed, and the state change after it still comes.</summary>
public sealed class ExchangeChannelSpec : AGServerTestKit
{
    [Fact]
    public async Task A_subscription_that_fails_emits_subscribeFail_and_then_its_state_change()
    {
        var server = await StartServerAsync();
        var channel = server.Exchange.Subscribe("news");
        await channel.WhenSubscribed;
        var failures = channel.SubscribeFailures.RunWith(Sink.First<ChannelSubscribeFail>(), server.Materializer);
        var changes = channel.Listener("subscribeStateChange").RunWith(Sink.First<ChannelStateChange>(), server.Materializer);
        await AwaitConditionAsync(() => Task.FromResult(channel.Listeners.HasConsumers("subscribeFail") && channel.Listeners.HasConsumers("subscribeStateChange")));

        channel.MarkFailed(new BrokerError("lost"));

        Assert.Equal("lost", (await failures.WaitAsync(TimeSpan.FromSeconds(10))).Error.Message);
        Assert.Equal(ChannelState.Unsubscribed, (await changes.WaitAsync(TimeSpan.FromSeconds(10))).NewState);
        Assert.Throws<ArgumentException>(() => channel.Listener("subscribeFail"));
    }
}
