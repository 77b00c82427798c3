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

    private readonly Func<ISocketCodec> _codec;
    private readonly ConcurrentDictionary<string, ExchangeChannel> _channels = new();
    private long _nextCorrelation;

    private readonly Server.AGServerMetrics? _metrics;

    internal Exchange(Func<ISocketCodec> codec, IActorRef region, IActorRef broker, int streamLimit = int.MaxValue,
        Streams.Internal.IConsumerFailures? failures = null, Server.AGServerMetrics? metrics = null)
    {
        _metrics = metrics;
        StreamLimit = streamLimit;
        Failures = failures;
        _codec = codec;
        Broker = broker;
        Region = region;
    }

    /// <summary>
    /// The channel sharding region: channel entities answer history and presence queries. Settable so a spec can put a
    /// relay in front of it (one that loses a query, as a stopping entity does).
    /// </summary>
    internal IActorRef Region { get; set; }

    internal int StreamLimit { get; }

    internal Streams.Internal.IConsumerFailures? Failures { get; }

    /// <summary>This node's broker (application actors publish through <see cref="TransmitPublishAsync"/>, which is thread-safe).</summary>
    internal IActorRef Broker { get; }

    /// <summary>The span a publish is made in (a handler's), its span's parent; none while nothing records traces.</summary>
    private static System.Diagnostics.ActivityContext CurrentTrace =>
        Server.AGServerTracing.Source.HasListeners() ? System.Diagnostics.Activity.Current?.Context ?? default : default;

    /// <summary>Publishes <paramref name="data"/> on <paramref name="channel"/> without waiting for anything.</summary>
    public Task TransmitPublishAsync(string channel, object? data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Broker.Tell(new Publish(channel, EncodePublish(channel, data), null, 0, Trace: CurrentTrace));
        _metrics?.Published("accepted");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Publishes and completes once this node delivered the message locally and sent it to every subscribed node; a
    /// <see cref="BrokerError"/> when the broker refused it or did not answer within 10 s (a channel entity on a node
    /// that just crashed, say), so a caller sees one error type for an unconfirmed publish.
    /// </summary>
    public async Task InvokePublishAsync(string channel, object? data, CancellationToken cancellationToken = default)
    {
        var frame = EncodePublish(channel, data);
        var correlation = Interlocked.Increment(ref _nextCorrelation);
        var trace = CurrentTrace;
        object answer;
        try
        {
            answer = await Broker.Ask<object>(replyTo => new Publish(channel, frame, replyTo, correlation, Trace: trace), AskTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            _metrics?.Published("failed");
            throw new BrokerError($"The publish on {channel} was not confirmed within {AskTimeout.TotalSeconds:0} s");
        }
        _metrics?.Published(answer is PublishFailed ? "failed" : "accepted");
        if (answer is PublishFailed failed) throw new BrokerError(failed.Reason);
    }

    /// <summary>
    /// Who is in <paramref name="channel"/>, cluster-wide (a channel with <see cref="ChannelFeatures.Presence"/>): socket
    /// and user counts, and the members unless <paramref name="withMembers"/> is false (cheap for big channels).
    /// </summary>
    public async Task<ChannelPresence> PresenceAsync(string channel, bool withMembers = true, CancellationToken cancellationToken = default)
    {
        var answer = await Region.Ask<PresenceAnswer>(replyTo => new PresenceQuery(channel, withMembers, replyTo, 0), AskTimeout, cancellationToken);
        if (!answer.Enabled) throw new InvalidActionError($"Channel {channel} has no presence: no AGServer:Channels pattern enables it");
        return new ChannelPresence(answer.Sockets, answer.Users, answer.Members);
    }

    /// <summary>
    /// The latest <paramref name="limit"/> publications kept by <paramref name="channel"/> (a channel with a
    /// <see cref="ChannelFeatures.HistorySize"/>), oldest first, with the channel's epoch and latest offset.
    /// </summary>
    public async Task<ChannelHistory> HistoryAsync(string channel, int limit = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var answer = await Region.Ask<HistoryAnswer>(replyTo => new HistoryQuery(channel, null, 0, limit, replyTo, 0), AskTimeout, cancellationToken);
        if (!answer.Enabled) throw new InvalidActionError($"Channel {channel} has no history: no AGServer:Channels pattern enables it");
        var codec = _codec();
        return new ChannelHistory(answer.Epoch, answer.Offset, answer.Frames.Select(frame =>
        {
            var (offset, data) = SequencedFrames.Read(codec, frame);
            return new Publication(offset, data);
        }).ToArray());
    }

    /// <summary>Subscribes the server to <paramref name="channel"/> (or returns the existing subscription).</summary>
    public ExchangeChannel Subscribe(string channel)
    {
        if (_channels.TryGetValue(channel, out var existing)) return existing;
        // GetOrAdd's factory may run on two racing threads; only the one whose channel was stored registers it.
        var made = new ExchangeChannel(this, channel);
        var subscription = _channels.GetOrAdd(channel, made);
        if (ReferenceEquals(subscription, made))
            Broker.Ask<NodeBroker.Subscribed>(replyTo => new NodeBroker.Subscribe(channel, subscription, replyTo), AskTimeout, CancellationToken.None)
                .ContinueWith(static (ask, state) =>
                {
                    var (exchange, subscription) = ((Exchange, ExchangeChannel))state!;
                    if (ask.IsCompletedSuccessfully)
                    {
                        subscription.MarkSubscribed();
                        return;
                    }
                    // Not confirmed: forget it, so a later Subscribe tries again, and say why to whoever awaits it.
                    exchange._channels.TryRemove(new KeyValuePair<string, ExchangeChannel>(subscription.Name, subscription));
                    subscription.MarkFailed(new BrokerError($"Failed to subscribe the server to the {subscription.Name} channel: {ask.Exception?.InnerException?.Message ?? "cancelled"}"));
                }, (this, subscription), TaskScheduler.Default);
        return subscription;
    }

    /// <summary>Ends the server's subscription to <paramref name="channel"/>.</summary>
    public async Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        if (!_channels.TryRemove(channel, out var subscription)) return;
        subscription.MarkUnsubscribed();
        await Broker.Ask<NodeBroker.Unsubscribed>(replyTo => new NodeBroker.Unsubscribe(channel, subscription, replyTo), AskTimeout, cancellationToken);
    }

    /// <summary>The server's subscription to <paramref name="channel"/>, or null.</summary>
    public ExchangeChannel? Channel(string channel) => _channels.GetValueOrDefault(channel);

    /// <summary>The channels the server subscribes to; pending ones only with <paramref name="includePending"/>.</summary>
    public IReadOnlyList<string> Subscriptions(bool includePending = false) =>
        _channels.Values.Where(c => includePending || c.State == ChannelState.Subscribed).Select(c => c.Name).ToArray();

    public bool IsSubscribed(string channel, bool includePending = false) =>
        _channels.TryGetValue(channel, out var c) && (c.State == ChannelState.Subscribed || (includePending && c.State == ChannelState.Pending));

    /// <summary>The server's channels, subscribed or pending.</summary>
    internal IEnumerable<ExchangeChannel> Channels => _channels.Values;

    internal void ForEach(Action<ExchangeChannel> action)
    {
        foreach (var c in _channels.Values) action(c);
    }

    internal byte[] EncodePublish(string channel, object? data) => _codec().Encode(OutboundPacket.Publish(channel, data));

    /// <summary>The data of a <c>#publish</c> frame (slow path: only exchange subscriptions and outbound middleware need it).</summary>
    internal RawJson ReadPublishedData(byte[] frame)
    {
        var packets = new List<InboundPacket>(1);
        if (_codec().Decode(frame, packets) != FrameKind.Packets || packets.Count != 1) return default;
        return packets[0].Data.TryGetProperty("data"u8, out var data) ? data : default;
    }
}
