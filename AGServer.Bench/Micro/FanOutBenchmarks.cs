using BenchmarkDotNet.Attributes;
using AGServer.Channels.Internal;

namespace AGServer.Bench.Micro;

/// <summary>The node broker's local fan-out loop: one frame handed to 500 subscribers (no actor message per subscriber).</summary>
[Config(typeof(MicroConfig))]
public class FanOutBenchmarks
{
    private sealed class CountingSubscriber : IChannelSubscriber
    {
        public long Frames;

        public void Deliver(string channel, byte[] frame) => Frames++;
    }

    private readonly LocalSubscriptions _subscriptions = new();
    private readonly byte[] _frame = new byte[100];

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < 500; i++) _subscriptions.Add("bench", new CountingSubscriber());
    }

    [Benchmark]
    public int DeliverToFiveHundred()
    {
        var subscribers = _subscriptions.Of("bench");
        foreach (var subscriber in subscribers) subscriber.Deliver("bench", _frame);
        return subscribers.Length;
    }
}
