using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace AGServer.Server.Admin;

/// <summary>The dashboard's messages between nodes, as JSON (bound in cluster.hocon to <see cref="IAdminWireMessage"/>).</summary>
internal sealed class AdminMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 4713;

    public override string Manifest(object o) => o switch
    {
        NodeStatsQuery => "Q",
        NodeStats => "S",
        NodeSeriesQuery => "SQ",
        NodeSeries => "SS",
        ChannelSubscribersQuery => "CQ",
        ChannelSubscribers => "CS",
        SocketSearch => "FQ",
        SocketsFound => "FS",
        _ => throw new ArgumentException($"{o.GetType()} is not a dashboard message", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        NodeStatsQuery or NodeSeriesQuery => [],
        IAdminWireMessage message => JsonSerializer.SerializeToUtf8Bytes(message, message.GetType()),
        _ => throw new ArgumentException($"{obj.GetType()} is not a dashboard message", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "Q" => NodeStatsQuery.Instance,
        "S" => JsonSerializer.Deserialize<NodeStats>(bytes)!,
        "SQ" => NodeSeriesQuery.Instance,
        "SS" => JsonSerializer.Deserialize<NodeSeries>(bytes)!,
        "CQ" => JsonSerializer.Deserialize<ChannelSubscribersQuery>(bytes)!,
        "CS" => JsonSerializer.Deserialize<ChannelSubscribers>(bytes)!,
        "FQ" => JsonSerializer.Deserialize<SocketSearch>(bytes)!,
        "FS" => JsonSerializer.Deserialize<SocketsFound>(bytes)!,
        _ => throw new System.Runtime.Serialization.SerializationException($"Unknown dashboard message manifest '{manifest}'"),
    };
}
