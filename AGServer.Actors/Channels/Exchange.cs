using System.Collections.Concurrent;
using Akka.Actor;
using AGServer.Channels.Internal;
using AGServer.Protocol;

namespace AGServer.Channels;

/// <summary>
/// The server's own access to channels (ag-simple-broker's exchange), cluster-wide: publishes reach subscribers
/// on every node and subscriptions receive publishes from every node. Thread-safe.
/// Guarantees: publishes from one publisher on one channel reach every subscriber in the order sent; a publish
/// made after a subscription was confirmed is delivered to it; nothing arrives after an unsubscribe completed;
/// no message is delivered twice to one subscriber.
/// </summary>
public sealed class Exchange
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    private readonly ISocketCodec _codec;
    private readonly ConcurrentDictionary<string, ExchangeChannel> _channels = new();
    private long _nextCorrelation;

    internal Exchange(ISocketCodec codec, IActorRef region, IActorRef broker)
    {
        _codec = codec;
        Region = region;
        Broker = broker;
    }

    /// <summary>The channel sharding region. Application actors may publish by telling the broker <see cref="ExchangeCommands.Publish"/>.</summary>
    internal IActorRef Region { get; }

    /// <summary>This node's broker; it accepts <see cref="ExchangeCommands.Publish"/> from application actors.</summary>
    public IActorRef Broker { get; }

    /// <summary>Publishes <paramref name="data"/> on <paramref name="channel"/> without waiting for anything.</summary>
    public Task TransmitPublish(string channel, object? data)
    {
        Region.Tell(new Publish(channel, EncodePublish(channel, data), null, 0));
        return Task.CompletedTask;
    }

    /// <summary>Publishes and completes once the channel accepted the message (forwarded it to every subscribed node).</summary>
    public async Task InvokePublish(string channel, object? data)
    {
        var frame = EncodePublish(channel, data);
        var correlation = Interlocked.Increment(ref _nextCorrelation);
        await Region.Ask<PublishAccepted>(replyTo => new Publish(channel, frame, replyTo, correlation), AskTimeout, CancellationToken.None);
    }

    /// <summary>Subscribes the server to <paramref name="channel"/> (or returns the existing subscription).</summary>
    public ExchangeChannel Subscribe(string channel)
    {
        var created = false;
        var subscription = _channels.GetOrAdd(channel, name =>
        {
            created = true;
            return new ExchangeChannel(this, name);
        });
        if (created)
            Broker.Ask<NodeBroker.Subscribed>(replyTo => new NodeBroker.Subscribe(channel, subscription, replyTo), AskTimeout, CancellationToken.None)
                .ContinueWith(_ => subscription.MarkSubscribed(), TaskContinuationOptions.OnlyOnRanToCompletion);
        return subscription;
    }

    /// <summary>Ends the server's subscription to <paramref name="channel"/>.</summary>
    public async Task Unsubscribe(string channel)
    {
        if (!_channels.TryRemove(channel, out var subscription)) return;
        subscription.MarkUnsubscribed();
        await Broker.Ask<NodeBroker.Unsubscribed>(replyTo => new NodeBroker.Unsubscribe(channel, subscription, replyTo), AskTimeout, CancellationToken.None);
    }

    /// <summary>The server's subscription to <paramref name="channel"/>, or null.</summary>
    public ExchangeChannel? Channel(string channel) => _channels.GetValueOrDefault(channel);

    /// <summary>The channels the server subscribes to; pending ones only with <paramref name="includePending"/>.</summary>
    public IReadOnlyList<string> Subscriptions(bool includePending = false) =>
        _channels.Values.Where(c => includePending || c.State == ChannelState.Subscribed).Select(c => c.Name).ToArray();

    public bool IsSubscribed(string channel, bool includePending = false) =>
        _channels.TryGetValue(channel, out var c) && (c.State == ChannelState.Subscribed || (includePending && c.State == ChannelState.Pending));

    public void CloseChannel(string channel) => Channel(channel)?.Close();

    public void KillChannel(string channel) => Channel(channel)?.Kill();

    public void CloseAllChannels()
    {
        foreach (var c in _channels.Values) c.Close();
    }

    public void KillAllChannels()
    {
        foreach (var c in _channels.Values) c.Kill();
    }

    public int GetChannelBackpressure(string channel) => Channel(channel)?.Backpressure ?? 0;

    public int GetAllChannelsBackpressure() => _channels.Values.Select(c => c.Backpressure).DefaultIfEmpty(0).Max();

    internal byte[] EncodePublish(string channel, object? data) => _codec.Encode(OutboundPacket.Publish(channel, data));

    /// <summary>The data of a <c>#publish</c> frame (slow path: only exchange subscriptions and outbound middleware need it).</summary>
    internal RawJson ReadPublishedData(byte[] frame)
    {
        var packets = new List<InboundPacket>(1);
        if (_codec.Decode(frame, packets) != FrameKind.Packets || packets.Count != 1) return default;
        return packets[0].Data.TryGetProperty("data"u8, out var data) ? data : default;
    }
}

/// <summary>Messages application actors may tell <see cref="Exchange.Broker"/>.</summary>
public static class ExchangeCommands
{
    /// <summary>Publishes <see cref="Data"/> on <see cref="Channel"/> (a transmitPublish).</summary>
    public sealed record Publish(string Channel, object? Data);
}
