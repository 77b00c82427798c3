namespace AGServer.Server.Admin;

/// <summary>Messages between nodes for the dashboard; bound to <see cref="AdminMessageSerializer"/>.</summary>
internal interface IAdminWireMessage;

/// <summary>Asks a node's server actor for its <see cref="NodeStats"/>.</summary>
internal sealed record NodeStatsQuery : IAdminWireMessage
{
    public static readonly NodeStatsQuery Instance = new();
}

/// <summary>One node's figures now, its busiest channels and slow consumers.</summary>
internal sealed record NodeStats(string Node, NodeFigures Figures, ChannelCount[] Channels, SlowConsumer[] SlowConsumers) : IAdminWireMessage;

/// <summary>
/// A node's figures at <see cref="At"/> (Unix milliseconds): connections, memory, and totals since it started
/// (rates come from two readings).
/// </summary>
internal sealed record NodeFigures(
    long At,
    int Connections,
    int Handshaking,
    long MessagesReceived,
    long MessagesSent,
    long BytesReceived,
    long BytesSent,
    long InvokesReceived,
    long RpcErrors,
    long Deliveries,
    long RateLimited,
    long RssBytes,
    long GcHeapBytes,
    long CpuMilliseconds);

internal sealed record ChannelCount(string Channel, int Subscribers);

internal sealed record SlowConsumer(string SocketId, string Node, long QueuedFrames);

/// <summary>Asks a node for its last 15 minutes of figures (<see cref="NodeSeries"/>).</summary>
internal sealed record NodeSeriesQuery : IAdminWireMessage
{
    public static readonly NodeSeriesQuery Instance = new();
}

/// <summary>A node's figures every <see cref="NodeSampler.Interval"/> over the last 15 minutes, oldest first.</summary>
internal sealed record NodeSeries(string Node, NodeFigures[] Samples) : IAdminWireMessage;

/// <summary>Asks a node how many of its sockets subscribe to <see cref="Channel"/>.</summary>
internal sealed record ChannelSubscribersQuery(string Channel) : IAdminWireMessage;

internal sealed record ChannelSubscribers(string Node, int Subscribers) : IAdminWireMessage;

/// <summary>Asks a node for its sockets whose id starts with <see cref="Text"/> or whose user id is <see cref="Text"/>.</summary>
internal sealed record SocketSearch(string Text) : IAdminWireMessage;

internal sealed record SocketsFound(string Node, FoundSocket[] Sockets) : IAdminWireMessage;

/// <summary>A socket a search found: where it is, whose it is, what it subscribes to.</summary>
internal sealed record FoundSocket(string SocketId, string Node, string? UserId, string? RemoteAddress, string State, int Subscriptions);
