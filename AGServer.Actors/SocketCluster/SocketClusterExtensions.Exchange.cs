using AGServer.Channels;

namespace AGServer.SocketCluster;

/// <summary>
/// socketcluster's exchange stream management across the server's channels (ag-simple-broker's exchange), by its
/// names; per channel, see <see cref="ExchangeChannel"/>. The SocketCluster parity layer:
/// <c>using AGServer.SocketCluster;</c> to call them.
/// </summary>
public static partial class SocketClusterExtensions
{
    public static ChannelState? GetChannelState(this Exchange exchange, string channel) =>
        exchange.Channel(channel)?.State;

    public static void CloseChannel(this Exchange exchange, string channel) =>
        exchange.Channel(channel)?.Close();

    public static void KillChannel(this Exchange exchange, string channel) =>
        exchange.Channel(channel)?.Kill();

    public static void CloseAllChannelOutputs(this Exchange exchange) =>
        exchange.ForEach(c => c.CloseOutput());

    public static void CloseAllChannelListeners(this Exchange exchange) =>
        exchange.ForEach(c => c.Listeners.CloseAll());

    public static void CloseAllChannels(this Exchange exchange) =>
        exchange.ForEach(c => c.Close());

    public static void KillAllChannelOutputs(this Exchange exchange) =>
        exchange.ForEach(c => c.KillOutput());

    public static void KillAllChannelListeners(this Exchange exchange) =>
        exchange.ForEach(c => c.Listeners.KillAll());

    public static void KillAllChannels(this Exchange exchange) =>
        exchange.ForEach(c => c.Kill());

    public static bool KillChannelOutputConsumer(this Exchange exchange, long consumerId) =>
        exchange.Channels.Any(c => c.Output.KillConsumer(consumerId));

    public static bool KillChannelListenerConsumer(this Exchange exchange, long consumerId) =>
        exchange.Channels.Any(c => c.Listeners.KillConsumer(consumerId));

    public static AGServer.Streams.ConsumerStats? GetChannelOutputConsumerStats(this Exchange exchange, long consumerId) =>
        exchange.GetAllChannelOutputsConsumerStatsList().FirstOrDefault(s => s.Id == consumerId);

    public static AGServer.Streams.ConsumerStats? GetChannelListenerConsumerStats(this Exchange exchange, long consumerId) =>
        exchange.GetAllChannelListenersConsumerStatsList().FirstOrDefault(s => s.Id == consumerId);

    public static IReadOnlyList<AGServer.Streams.ConsumerStats> GetAllChannelOutputsConsumerStatsList(this Exchange exchange) =>
        exchange.Channels.SelectMany(c => c.Output.ConsumerStats).ToArray();

    public static IReadOnlyList<AGServer.Streams.ConsumerStats> GetAllChannelListenersConsumerStatsList(this Exchange exchange) =>
        exchange.Channels.SelectMany(c => c.Listeners.GetConsumerStatsListAll()).ToArray();

    public static int GetChannelBackpressure(this Exchange exchange, string channel) =>
        exchange.Channel(channel)?.Backpressure ?? 0;

    public static int GetAllChannelOutputsBackpressure(this Exchange exchange) =>
        exchange.Channels.Select(c => c.Output.Backpressure).DefaultIfEmpty(0).Max();

    public static int GetAllChannelListenersBackpressure(this Exchange exchange) =>
        exchange.Channels.Select(c => c.Listeners.GetBackpressureAll()).DefaultIfEmpty(0).Max();

    public static int GetAllChannelsBackpressure(this Exchange exchange) =>
        exchange.Channels.Select(c => c.Backpressure).DefaultIfEmpty(0).Max();

    /// <summary>socketcluster's exchange getBackpressure: the largest backpressure of any channel.</summary>
    public static int GetBackpressure(this Exchange exchange) =>
        exchange.GetAllChannelsBackpressure();

    public static int GetChannelOutputConsumerBackpressure(this Exchange exchange, long consumerId) =>
        exchange.GetChannelOutputConsumerStats(consumerId)?.Backpressure ?? 0;

    public static int GetChannelListenerConsumerBackpressure(this Exchange exchange, long consumerId) =>
        exchange.GetChannelListenerConsumerStats(consumerId)?.Backpressure ?? 0;

    public static bool HasAnyChannelOutputConsumer(this Exchange exchange, long consumerId) =>
        exchange.Channels.Any(c => c.Output.HasConsumer(consumerId));

    public static bool HasAnyChannelListenerConsumer(this Exchange exchange, long consumerId) =>
        exchange.Channels.Any(c => c.Listeners.HasConsumerAll(consumerId));
}
