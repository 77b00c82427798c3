using Akka.Actor;
using Akka.Cluster;

namespace AGServer.Server.Admin;

/// <summary>
/// What the dashboard shows, gathered by asking every member's server actor: each node's figures (and their last 15
/// minutes), the busiest channels, slow consumers, one channel across the cluster, a search for sockets.
/// </summary>
internal static class ClusterOverview
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);
    private const int TopChannels = 10;
    private const int FoundPerNode = 50;

    /// <summary>This node's figures now.</summary>
    public static NodeFigures Figures(SocketClusterServer server)
    {
        var traffic = server.Traffic();
        var metrics = server.Metrics;
        return new NodeFigures(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), server.ClientsCount, server.PendingClientsCount,
            traffic.MessagesReceived, traffic.MessagesSent, traffic.BytesReceived, traffic.BytesSent, traffic.InvokesReceived,
            metrics.RpcErrorsTotal, metrics.DeliveriesTotal, metrics.RateLimitedTotal,
            Environment.WorkingSet, GC.GetTotalMemory(false), (long)Environment.CpuUsage.TotalTime.TotalMilliseconds);
    }

    /// <summary>This node's figures, the channels its sockets subscribe to, the slow ones.</summary>
    public static NodeStats Local(SocketClusterServer server)
    {
        var node = server.NodeAddress;
        var channels = new Dictionary<string, int>();
        var slow = new List<SlowConsumer>();
        var slowFrom = Math.Max(1, server.Options.OutboundQueueLimit / 10);
        foreach (var socket in server.Clients.Values)
        {
            foreach (var channel in socket.Subscriptions()) channels[channel] = channels.GetValueOrDefault(channel) + 1;
            var queued = socket.GetOutboundBackpressure();
            if (queued >= slowFrom) slow.Add(new SlowConsumer(socket.Id, node, queued));
        }
        return new NodeStats(node, Figures(server),
            channels.OrderByDescending(c => c.Value).Take(TopChannels * 2).Select(c => new ChannelCount(c.Key, c.Value)).ToArray(),
            slow.OrderByDescending(s => s.QueuedFrames).Take(TopChannels).ToArray());
    }

    /// <summary>How many of this node's sockets subscribe to <paramref name="channel"/>.</summary>
    public static ChannelSubscribers LocalSubscribers(SocketClusterServer server, string channel) =>
        new(server.NodeAddress, server.Clients.Values.Count(socket => socket.Subscriptions().Contains(channel)));

    /// <summary>This node's sockets whose id starts with <paramref name="text"/> or whose user id is <paramref name="text"/>.</summary>
    public static SocketsFound Search(SocketClusterServer server, string text)
    {
        var node = server.NodeAddress;
        var found = server.Clients.Values
            .Where(s => s.Id.StartsWith(text, StringComparison.Ordinal) || string.Equals(s.UserId, text, StringComparison.Ordinal))
            .Take(FoundPerNode)
            .Select(s => new FoundSocket(s.Id, node, s.UserId, s.RemoteAddress?.ToString(), s.State.ToString(), s.Subscriptions().Count))
            .ToArray();
        return new SocketsFound(node, found);
    }

    /// <summary>Asks every reachable member's server actor; a node that does not answer in time is left out (null).</summary>
    private static async Task<(Member Member, T? Answer)[]> AskAllAsync<T>(SocketClusterServer server, object query) where T : class
    {
        var state = Cluster.Get(server.System).State;
        var members = state.Members.Where(m => m.Status != MemberStatus.Removed).ToArray();
        return await Task.WhenAll(members.Select(async member =>
        {
            if (state.Unreachable.Contains(member)) return (member, null);
            try
            {
                return (member, await server.System.ActorSelection(SocketClusterServer.ServerActorPath(member.Address)).Ask<T>(query, AskTimeout));
            }
            catch (Exception error) when (error is AskTimeoutException or ActorNotFoundException or TaskCanceledException)
            {
                return (member, (T?)null);
            }
        }));
    }

    /// <summary>The whole cluster, for the dashboard (JSON): members with their figures, busiest channels, slow consumers.</summary>
    public static async Task<object> GatherAsync(SocketClusterServer server)
    {
        var cluster = Cluster.Get(server.System);
        var state = cluster.State;
        var stats = await AskAllAsync<NodeStats>(server, NodeStatsQuery.Instance);
        var answered = stats.Select(s => s.Answer).OfType<NodeStats>().ToArray();
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
            leader = state.Leader?.ToString(),
            nodes = stats.Select(s => new
            {
                address = s.Member.Address.ToString(),
                status = s.Member.Status.ToString(),
                roles = s.Member.Roles.Order(StringComparer.Ordinal).ToArray(),
                reachable = !state.Unreachable.Contains(s.Member),
                stats = s.Answer?.Figures,
            }).ToArray(),
            channels = busiest.Select((c, i) => new { channel = c.Channel, subscribers = c.Subscribers, users = users[i] }).ToArray(),
            slowConsumers = answered.SelectMany(s => s.SlowConsumers).OrderByDescending(s => s.QueuedFrames).Take(TopChannels)
                .Select(s => new { socketId = s.SocketId, node = s.Node, queuedFrames = s.QueuedFrames }).ToArray(),
        };
    }

    /// <summary>Every node's last 15 minutes of figures, for the charts of a page just opened.</summary>
    public static async Task<object> SeriesAsync(SocketClusterServer server)
    {
        var series = await AskAllAsync<NodeSeries>(server, NodeSeriesQuery.Instance);
        return new { nodes = series.Where(s => s.Answer is not null).Select(s => new { node = s.Answer!.Node, samples = s.Answer.Samples }).ToArray() };
    }

    /// <summary>One channel across the cluster: subscribers per node, presence members, the last history entries.</summary>
    public static async Task<object> ChannelAsync(SocketClusterServer server, string channel, CancellationToken cancellationToken)
    {
        var perNode = await AskAllAsync<ChannelSubscribers>(server, new ChannelSubscribersQuery(channel));
        var features = server.ChannelFeatures.For(channel);
        var presence = features.Presence ? await server.Exchange.PresenceAsync(channel, withMembers: true, cancellationToken) : null;
        var history = features.HasHistory ? await server.Exchange.HistoryAsync(channel, 20, cancellationToken) : null;
        return new
        {
            channel,
            nodes = perNode.Select(s => new { node = s.Member.Address.ToString(), subscribers = s.Answer?.Subscribers }).ToArray(),
            presence = presence is null ? null : new
            {
                sockets = presence.Sockets,
                users = presence.Users,
                members = presence.Members.Select(m => new { socketId = m.SocketId, userId = m.UserId, node = m.Node }).ToArray(),
            },
            history = history is null ? null : new
            {
                epoch = history.Epoch,
                offset = history.Offset,
                publications = history.Publications.Select(p => new { offset = p.Offset, data = p.Data }).ToArray(),
            },
        };
    }

    /// <summary>Sockets anywhere in the cluster by socket id (or its start) or user id.</summary>
    public static async Task<object> SearchAsync(SocketClusterServer server, string text)
    {
        var found = await AskAllAsync<SocketsFound>(server, new SocketSearch(text));
        return new
        {
            sockets = found.Where(f => f.Answer is not null).SelectMany(f => f.Answer!.Sockets)
                .Select(s => new { socketId = s.SocketId, node = s.Node, userId = s.UserId, remoteAddress = s.RemoteAddress, state = s.State, subscriptions = s.Subscriptions })
                .ToArray(),
        };
    }
}
