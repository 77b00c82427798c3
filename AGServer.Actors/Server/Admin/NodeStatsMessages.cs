namespace AGServer.Server.Admin;

/// <summary>Messages between nodes for the dashboard; bound to <see cref="AdminMessageSerializer"/>.</summary>
internal interface IAdminWireMessage;

/// <summary>Asks a node's server actor for its <see cref="NodeStats"/>.</summary>
internal sealed record NodeStatsQuery : IAdminWireMessage
{
    public static readonly NodeStatsQuery Instance = new();
}

/// <summary>One node's figures: connections, traffic so far (rates come from two readings), busiest channels, slow consumers.</summary>
internal sealed record NodeStats(
    string Node,
    int Connections,
    int Handshaking,
    long MessagesReceived,
    long MessagesSent,
    long BytesReceived,
    long BytesSent,
    long InvokesReceived,
    ChannelCount[] Channels,
    SlowConsumer[] SlowConsumers) : IAdminWireMessage;

internal sealed record ChannelCount(string Channel, int Subscribers);

internal sealed record SlowConsumer(string SocketId, string Node, long QueuedFrames);
