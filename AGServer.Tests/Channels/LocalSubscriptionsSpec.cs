using AGServer.Channels.Internal;
using Xunit;

namespace AGServer.Tests.Channels;

public sealed class LocalSubscriptionsSpec
{
    private sealed class Subscriber : IChannelSubscriber
    {
        public void Deliver(string channel, byte[] frame)
        {
        }
    }

    [Fact]
    public void Adding_and_removing_keeps_exactly_the_current_subscribers()
    {
        var subscriptions = new LocalSubscriptions();
        var subscribers = Enumerable.Range(0, 1000).Select(_ => new Subscriber()).ToArray();
        Assert.True(subscriptions.Add("c", subscribers[0]));
        foreach (var s in subscribers.Skip(1)) Assert.False(subscriptions.Add("c", s));
        Assert.False(subscriptions.Add("c", subscribers[5])); // twice is once
        foreach (var s in subscribers.Where((_, i) => i % 3 == 0)) Assert.False(subscriptions.Remove("c", s));
        Assert.False(subscriptions.Remove("c", subscribers[0])); // not there any more

        var expected = subscribers.Where((_, i) => i % 3 != 0).Cast<IChannelSubscriber>().ToHashSet();
        Assert.True(expected.SetEquals(subscriptions.Of("c")));
        Assert.Equal(expected.Count, subscriptions.Of("c").Length);
    }

    [Fact]
    public void The_fan_out_snapshot_is_shared_until_the_next_change()
    {
        var subscriptions = new LocalSubscriptions();
        var a = new Subscriber();
        subscriptions.Add("c", a);
        var first = subscriptions.Of("c");
        Assert.Same(first, subscriptions.Of("c"));
        subscriptions.Add("c", new Subscriber());
        Assert.NotSame(first, subscriptions.Of("c"));
        Assert.Single(first); // a snapshot never changes under a fan-out in progress
    }

    [Fact]
    public void Removing_the_last_subscriber_forgets_the_channel()
    {
        var subscriptions = new LocalSubscriptions();
        var a = new Subscriber();
        subscriptions.Add("c", a);
        Assert.True(subscriptions.Remove("c", a));
        Assert.False(subscriptions.Has("c"));
        Assert.Empty(subscriptions.Of("c"));
        Assert.Equal(0, subscriptions.ChannelCount);
    }
}
