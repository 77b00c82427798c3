using AGServer.Channels;
using AGServer.Streams;

namespace AGServer.SocketCluster;

/// <summary>
/// socketcluster's stream management of one exchange channel (ag-channel's <c>closeListener</c>, ...,
/// <c>getOutputConsumerStatsList</c>), by its names: the channel's event listeners and its output (its publications).
/// The SocketCluster parity layer: <c>using AGServer.SocketCluster;</c> to call them.
/// </summary>
public static partial class SocketClusterExtensions
{
    /// <summary>Ends the consumers of the channel's listener <paramref name="eventName"/> after their backlog.</summary>
    public static void CloseListener(this ExchangeChannel channel, string eventName) => channel.Listeners.Close(eventName);

    /// <summary>Ends the consumers of every listener of the channel after their backlog.</summary>
    public static void CloseAllListeners(this ExchangeChannel channel) => channel.Listeners.CloseAll();

    /// <summary>Ends the consumers of the channel's listener <paramref name="eventName"/> at once.</summary>
    public static void KillListener(this ExchangeChannel channel, string eventName) => channel.Listeners.Kill(eventName);

    /// <summary>Ends the consumers of every listener of the channel at once.</summary>
    public static void KillAllListeners(this ExchangeChannel channel) => channel.Listeners.KillAll();

    public static IReadOnlyList<ConsumerStats> GetListenerConsumerStatsList(this ExchangeChannel channel, string eventName) =>
        channel.Listeners.GetConsumerStatsList(eventName);

    public static IReadOnlyList<ConsumerStats> GetAllListenersConsumerStatsList(this ExchangeChannel channel) =>
        channel.Listeners.GetConsumerStatsListAll();

    public static int GetListenerBackpressure(this ExchangeChannel channel, string eventName) => channel.Listeners.GetBackpressure(eventName);

    public static int GetAllListenersBackpressure(this ExchangeChannel channel) => channel.Listeners.GetBackpressureAll();

    public static bool HasListenerConsumer(this ExchangeChannel channel, string eventName, long consumerId) =>
        channel.Listeners.HasConsumer(eventName, consumerId);

    public static bool HasAnyListenerConsumer(this ExchangeChannel channel, long consumerId) => channel.Listeners.HasConsumerAll(consumerId);

    /// <summary>The consumers of the channel's publications (its output).</summary>
    public static IReadOnlyList<ConsumerStats> GetOutputConsumerStatsList(this ExchangeChannel channel) => channel.Output.ConsumerStats;

    /// <summary>The largest backlog of any consumer of the channel's publications.</summary>
    public static int GetOutputBackpressure(this ExchangeChannel channel) => channel.Output.Backpressure;

    public static bool HasOutputConsumer(this ExchangeChannel channel, long consumerId) => channel.Output.HasConsumer(consumerId);
}
