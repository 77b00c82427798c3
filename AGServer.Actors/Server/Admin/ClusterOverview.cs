using Akka.Actor;
using Akka.Cluster;

namespace AGServer.Server.Admin;

/// <summary>What the dashboard shows: every member with its figures (asked of each node), the busiest channels, slow consumers.</summary>
internal static class ClusterOverview
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);
    private const int TopChannels = 10;

    /// <summary>This node's figures: its sockets, their traffic, the channels they subscribe to, the slow ones.</summary>
    public static NodeStats Local(SocketClusterServer server)
    {
        var node = Cluster.Get(server.System).SelfAddress.ToString();
        var traffic = server.Traffic();
        var channels = new Dictionary<string, int>();
        var slow = new List<SlowConsumer>();
        var slowFrom = Math.Max(1, server.Options.OutboundQueueLimit / 10);
        foreach (var socket in server.Clients.Values)
        {
            foreach (var channel in socket.Subscriptions()) channels[channel] = channels.GetValueOrDefault(channel) + 1;
            var queued = socket.GetOutboundBackpressure();
            if (queued >= slowFrom) slow.Add(new SlowConsumer(socket.Id, node, queued));
        }
        return new NodeStats(node, server.ClientsCount, server.PendingClientsCount, traffic.MessagesReceived, traffic.MessagesSent,
            traffic.BytesReceived, traffic.BytesSent, traffic.InvokesReceived,
            channels.OrderByDescending(c => c.Value).Take(TopChannels * 2).Select(c => new ChannelCount(c.Key, c.Value)).ToArray(),
            slow.OrderByDescending(s => s.QueuedFrames).Take(TopChannels).ToArray());
    }

    /// <summary>The whole cluster, for the dashboard (JSON): members, their figures (null when a node did not answer in time).</summary>
    public static async Task<object> GatherAsync(SocketClusterServer server)
    {
        var cluster = Cluster.Get(server.System);
        var state = cluster.State;
        var members = state.Members.Where(m => m.Status != MemberStatus.Removed).ToArray();
        var stats = await Task.WhenAll(members.Select(async member =>
        {
            if (state.Unreachable.Contains(member)) return null;
            try
            {
                return await server.System.ActorSelection(SocketClusterServer.ServerActorPath(member.Address)).Ask<NodeStats>(NodeStatsQuery.Instance, AskTimeout);
            }
            catch (Exception error) when (error is AskTimeoutException or ActorNotFoundException or TaskCanceledException)
            {
                return null;
            }
        }));
        var answered = stats.OfType<NodeStats>().ToArray();
        var busiest = answered.SelectMany(s => s.Channels).GroupBy(c => c.Channel)
            .Select(g => (Channel: g.Key, Subscribers: g.Sum(c => c.Subscribers)))
            .OrderByDescending(c => c.Subscribers).ThenBy(c => c.Channel, StringComparer.Ordinal).Take(TopChannels).ToArray();
        // Channels with presence also show their distinct users (counts only: cheap whatever the channel's size).
        var users = await Task.WhenAll(busiest.Select(async c =>
        {
            if (!server.ChannelFeatures.For(c.Channel).Presence) return (int?)null;
            try
            {
                return (await server.Exchange.PresenceAsync(c.Channel, withMembers: false).WaitAsync(AskTimeout)).Users;
            }
            catch (Exception error) when (error is TimeoutException or AskTimeoutException)
            {
                return null;
            }
        }));
        return new
        {
            at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            self = cluster.SelfAddress.ToString(),
            nodes = members.Select((member, i) => new
            {
                address = member.Address.ToString(),
                status = member.Status.ToString(),
                reachable = !state.Unreachable.Contains(member),
                stats = stats[i] is { } s
                    ? new { s.Connections, s.Handshaking, s.MessagesReceived, s.MessagesSent, s.BytesReceived, s.BytesSent, s.InvokesReceived }
                    : null,
            }).ToArray(),
            channels = busiest.Select((c, i) => new { channel = c.Channel, subscribers = c.Subscribers, users = users[i] }).ToArray(),
            slowConsumers = answered.SelectMany(s => s.SlowConsumers).OrderByDescending(s => s.QueuedFrames).Take(TopChannels)
                .Select(s => new { socketId = s.SocketId, node = s.Node, queuedFrames = s.QueuedFrames }).ToArray(),
        };
    }
}
