using Akka.Streams.Dsl;
using AGServer.Channels;
using AGServer.Protocol;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>A server subscription's own events: a failure arrives with its error, and the state change after it still comes.</summary>
public sealed class ExchangeChannelSpec : AGServerTestKit
{
    [Fact]
    public async Task A_subscription_that_fails_emits_subscribeFail_and_then_its_state_change()
    {
        var server = await StartServerAsync();
        var channel = server.Exchange.Subscribe("news");
        await channel.WhenSubscribed;
        var failures = channel.Listener("subscribeFail").RunWith(Sink.First<ChannelStateChange>(), server.Materializer);
        var changes = channel.Listener("subscribeStateChange").RunWith(Sink.First<ChannelStateChange>(), server.Materializer);
        await AwaitConditionAsync(() => Task.FromResult(channel.Listeners.HasConsumers("subscribeFail") && channel.Listeners.HasConsumers("subscribeStateChange")));

        channel.MarkFailed(new BrokerError("lost"));

        var failure = await failures.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("lost", ChannelState.Subscribed, ChannelState.Unsubscribed), (failure.Error?.Message, failure.OldState, failure.NewState));
        var change = await changes.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((ChannelState.Unsubscribed, "lost"), (change.NewState, change.Error?.Message));
    }
}
