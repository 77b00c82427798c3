using Akka;
using Akka.Streams.Dsl;
using AGServer.Channels.Internal;
using AGServer.Protocol;
using AGServer.Streams;

namespace AGServer.Channels;

/// <summary>The life of an exchange subscription, as ag-channel names it.</summary>
public enum ChannelState
{
    Pending,
    Subscribed,
    Unsubscribed,
}

/// <summary>
/// A channel's subscribe, unsubscribe, subscribeStateChange or subscribeFail event; <see cref="Error"/> is set on a
/// subscribeFail (the cluster did not confirm the subscription) and on the state change that follows it.
/// </summary>
public sealed record ChannelStateChange(string Channel, ChannelState OldState, ChannelState NewState, Exception? Error = null);

/// <summary>
/// A server-side subscription to a channel, cluster-wide like a socket's (ag-channel). Its <see cref="Source"/>
/// carries the data of every message published on the channel after the subscription was confirmed
/// (<see cref="WhenSubscribed"/>), in publish order per publisher. Thread-safe.
/// </summary>
public sealed class ExchangeChannel : IChannelSubscriber
{
    private readonly Exchange _exchange;
    private readonly EventStream<RawJson> _messages;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ChannelState _state = ChannelState.Pending;

    internal ExchangeChannel(Exchange exchange, string name)
    {
        _exchange = exchange;
        Name = name;
        _messages = new EventStream<RawJson>(name, exchange.Failures, null, limit: exchange.StreamLimit);
    }

    public string Name { get; }

    public ChannelState State => _state;

    /// <summary>Completes once the subscription is in force: every publish made after it is delivered.</summary>
    public Task WhenSubscribed => _subscribed.Task;

    /// <summary>The data of each message published on the channel. Materialise once per consumer.</summary>
    public Source<RawJson, NotUsed> Source => _messages.Source;

    /// <summary>The channel's own events: <c>subscribe</c>, <c>unsubscribe</c>, <c>subscribeStateChange</c>, <c>subscribeFail</c> (as ag-channel).</summary>
    internal StreamGroup Listeners { get; } = new();

    public Source<ChannelStateChange, NotUsed> Listener(string eventName) => Listeners.Stream<ChannelStateChange>(eventName).Source;

    /// <summary>Queued messages of the slowest consumer of the output and the listeners.</summary>
    public int Backpressure => Math.Max(_messages.Backpressure, Listeners.GetBackpressureAll());

    /// <summary>The output stream (the messages) as a stream with its management.</summary>
    internal IEventStream Output => _messages;

    public IReadOnlyList<ConsumerStats> ConsumerStats => _messages.ConsumerStats;

    /// <summary>Ends the output's and listeners' consumers after their backlog; the subscription stays.</summary>
    public void Close()
    {
        _messages.Close();
        Listeners.CloseAll();
    }

    /// <summary>Ends the output's and listeners' consumers at once; the subscription stays.</summary>
    public void Kill()
    {
        _messages.Kill();
        Listeners.KillAll();
    }

    public void CloseOutput() => _messages.Close();

    public void KillOutput() => _messages.Kill();

    public bool KillConsumer(long consumerId) => _messages.KillConsumer(consumerId) || Listeners.KillConsumer(consumerId);

    /// <summary>Publishes on this channel through the exchange.</summary>
    public Task TransmitPublishAsync(object? data, CancellationToken cancellationToken = default) => _exchange.TransmitPublishAsync(Name, data, cancellationToken);

    public Task InvokePublishAsync(object? data, CancellationToken cancellationToken = default) => _exchange.InvokePublishAsync(Name, data, cancellationToken);

    /// <summary>Ends the subscription; nothing is delivered once the returned task completes.</summary>
    public Task UnsubscribeAsync(CancellationToken cancellationToken = default) => _exchange.UnsubscribeAsync(Name, cancellationToken);

    internal void MarkSubscribed()
    {
        if (_state == ChannelState.Pending)
        {
            _state = ChannelState.Subscribed;
            var change = new ChannelStateChange(Name, ChannelState.Pending, ChannelState.Subscribed);
            Listeners.Emit("subscribeStateChange", change);
            Listeners.Emit("subscribe", change);
        }
        _subscribed.TrySetResult();
    }

    /// <summary>The subscription could not be confirmed: it ends, and <see cref="WhenSubscribed"/> fails with <paramref name="error"/>.</summary>
    internal void MarkFailed(Exception error)
    {
        var old = _state;
        _state = ChannelState.Unsubscribed;
        _subscribed.TrySetException(error);
        var change = new ChannelStateChange(Name, old, ChannelState.Unsubscribed, error);
        Listeners.Emit("subscribeFail", change);
        if (old == ChannelState.Unsubscribed) return;
        Listeners.Emit("subscribeStateChange", change);
    }

    internal void MarkUnsubscribed()
    {
        var old = _state;
        _state = ChannelState.Unsubscribed;
        _subscribed.TrySetResult();
        if (old == ChannelState.Unsubscribed) return;
        var change = new ChannelStateChange(Name, old, ChannelState.Unsubscribed);
        Listeners.Emit("subscribeStateChange", change);
        Listeners.Emit("unsubscribe", change);
    }

    void IChannelSubscriber.Deliver(string channel, byte[] frame)
    {
        if (_state == ChannelState.Unsubscribed || !_messages.HasConsumers) return;
        _messages.Emit(_exchange.ReadPublishedData(frame));
    }
}
