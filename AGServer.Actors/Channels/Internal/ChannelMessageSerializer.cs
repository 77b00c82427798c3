using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace AGServer.Channels.Internal;

/// <summary>
/// Compact binary form of every channel message that crosses nodes (bound in cluster.hocon to
/// <see cref="IChannelWireMessage"/>): a one-byte-ish manifest, length-prefixed UTF-8 strings, raw frame bytes,
/// actor refs as their serialized paths.
/// </summary>
internal sealed class ChannelMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string RegisterNodeManifest = "RN";
    private const string UnregisterNodeManifest = "UN";
    private const string NodeRegisteredManifest = "NR";
    private const string RouteRequestManifest = "RR";
    private const string ReleaseRoutesManifest = "RL";
    private const string RoutesManifest = "R";
    private const string RoutesAckManifest = "RA";
    private const string RoutesRevokedManifest = "RV";
    private const string DeliverManifest = "D";
    private const string WhoSubscribesManifest = "WS";
    private const string SubscriptionReportManifest = "SR";

    public override int Identifier => 4711;

    public override string Manifest(object o) => o switch
    {
        RegisterNode => RegisterNodeManifest,
        UnregisterNode => UnregisterNodeManifest,
        NodeRegistered => NodeRegisteredManifest,
        RouteRequest => RouteRequestManifest,
        ReleaseRoutes => ReleaseRoutesManifest,
        Routes => RoutesManifest,
        RoutesAck => RoutesAckManifest,
        RoutesRevoked => RoutesRevokedManifest,
        Deliver => DeliverManifest,
        WhoSubscribes => WhoSubscribesManifest,
        SubscriptionReport => SubscriptionReportManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a channel message", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case RegisterNode m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    writer.Write(m.Sequence);
                    break;
                case UnregisterNode m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    break;
                case NodeRegistered m:
                    writer.Write(m.Channel);
                    writer.Write(m.Sequence);
                    break;
                case RouteRequest m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    break;
                case ReleaseRoutes m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    break;
                case Routes m:
                    writer.Write(m.Channel);
                    writer.Write(m.Version);
                    writer.Write(m.Brokers.Length);
                    foreach (var broker in m.Brokers) WriteRef(writer, broker);
                    break;
                case RoutesAck m:
                    writer.Write(m.Channel);
                    writer.Write(m.Version);
                    break;
                case RoutesRevoked m:
                    writer.Write(m.Channel);
                    break;
                case Deliver m:
                    writer.Write(m.Channel);
                    WriteBytes(writer, m.Frame);
                    break;
                case WhoSubscribes m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Entity);
                    break;
                case SubscriptionReport m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    writer.Write(m.Subscribed);
                    writer.Write(m.HoldsRoutes);
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not a channel message", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return manifest switch
        {
            RegisterNodeManifest => new RegisterNode(reader.ReadString(), ReadRef(reader)!, reader.ReadInt64()),
            UnregisterNodeManifest => new UnregisterNode(reader.ReadString(), ReadRef(reader)!),
            NodeRegisteredManifest => new NodeRegistered(reader.ReadString(), reader.ReadInt64()),
            RouteRequestManifest => new RouteRequest(reader.ReadString(), ReadRef(reader)!),
            ReleaseRoutesManifest => new ReleaseRoutes(reader.ReadString(), ReadRef(reader)!),
            RoutesManifest => ReadRoutes(reader),
            RoutesAckManifest => new RoutesAck(reader.ReadString(), reader.ReadInt64()),
            RoutesRevokedManifest => new RoutesRevoked(reader.ReadString()),
            DeliverManifest => new Deliver(reader.ReadString(), ReadBytes(reader)),
            WhoSubscribesManifest => new WhoSubscribes(reader.ReadString(), ReadRef(reader)!),
            SubscriptionReportManifest => new SubscriptionReport(reader.ReadString(), ReadRef(reader)!, reader.ReadBoolean(), reader.ReadBoolean()),
            _ => throw new System.Runtime.Serialization.SerializationException($"Unknown channel message manifest '{manifest}'"),
        };
    }

    private Routes ReadRoutes(BinaryReader reader)
    {
        var channel = reader.ReadString();
        var version = reader.ReadInt64();
        var brokers = new IActorRef[reader.ReadInt32()];
        for (var i = 0; i < brokers.Length; i++) brokers[i] = ReadRef(reader)!;
        return new Routes(channel, brokers, version);
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader) => reader.ReadBytes(reader.ReadInt32());

    private static void WriteRef(BinaryWriter writer, IActorRef? actor) =>
        writer.Write(actor is null || actor.IsNobody() ? "" : Akka.Serialization.Serialization.SerializedActorPath(actor));

    private IActorRef? ReadRef(BinaryReader reader)
    {
        var path = reader.ReadString();
        return path.Length == 0 ? null : system.Provider.ResolveActorRef(path);
    }
}
