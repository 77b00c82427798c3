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
    private const string TracedDeliverManifest = "DT";
    private const string SequencedPublishManifest = "SP";
    private const string PublishAcceptedManifest = "PA";
    private const string PublishFailedManifest = "PF";
    private const string PresenceJoinManifest = "PJ";
    private const string PresenceLeaveManifest = "PL";
    private const string PresenceQueryManifest = "PQ";
    private const string PresenceAnswerManifest = "PR";
    private const string HistoryQueryManifest = "HQ";
    private const string HistoryAnswerManifest = "HA";
    private const string HistoryHandoffManifest = "HH";
    private const string WhoSubscribesManifest = "WS";
    private const string SubscriptionReportManifest = "SR";
    private const string HistoryDeliverManifest = "HD";
    private const string HistoryReplicateManifest = "HR";
    private const string HistoryReplicatedManifest = "HK";
    private const string HistoryForgetManifest = "HF";
    private const string JournaledPublicationManifest = "JP";

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
        Deliver { TraceParent: not null } => TracedDeliverManifest,
        Deliver => DeliverManifest,
        SequencedPublish => SequencedPublishManifest,
        PublishAccepted => PublishAcceptedManifest,
        PublishFailed => PublishFailedManifest,
        PresenceJoin => PresenceJoinManifest,
        PresenceLeave => PresenceLeaveManifest,
        PresenceQuery => PresenceQueryManifest,
        PresenceAnswer => PresenceAnswerManifest,
        HistoryQuery => HistoryQueryManifest,
        HistoryAnswer => HistoryAnswerManifest,
        HistoryHandoff => HistoryHandoffManifest,
        WhoSubscribes => WhoSubscribesManifest,
        SubscriptionReport => SubscriptionReportManifest,
        HistoryDeliver => HistoryDeliverManifest,
        HistoryReplicate => HistoryReplicateManifest,
        HistoryReplicated => HistoryReplicatedManifest,
        HistoryForget => HistoryForgetManifest,
        JournaledPublication => JournaledPublicationManifest,
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
                    if (m.TraceParent is not null) writer.Write(m.TraceParent);
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
                    WriteMembers(writer, m.Members);
                    writer.Write(m.Tail is not null);
                    if (m.Tail is { } tail)
                    {
                        writer.Write(tail.Epoch);
                        writer.Write(tail.Offset);
                        WriteEntries(writer, tail.Entries);
                    }
                    break;
                case SequencedPublish m:
                    writer.Write(m.Channel);
                    WriteBytes(writer, m.Frame);
                    WriteRef(writer, m.ReplyTo);
                    writer.Write(m.Correlation);
                    WriteKey(writer, m.Key);
                    break;
                case HistoryDeliver m:
                    writer.Write(m.Channel);
                    writer.Write(m.Epoch);
                    WriteEntry(writer, m.Entry);
                    writer.Write(m.Replica);
                    break;
                case HistoryReplicate m:
                    writer.Write(m.Channel);
                    writer.Write(m.Epoch);
                    writer.Write(m.Offset);
                    WriteEntries(writer, m.Entries);
                    break;
                case HistoryReplicated m:
                    writer.Write(m.Channel);
                    writer.Write(m.Epoch);
                    writer.Write(m.Offset);
                    break;
                case HistoryForget m:
                    writer.Write(m.Channel);
                    break;
                case JournaledPublication m:
                    writer.Write(m.Epoch);
                    writer.Write(m.Offset);
                    WriteBytes(writer, m.Frame);
                    writer.Write(m.AddedAtUnixMs);
                    WriteKey(writer, m.Key);
                    break;
                case PublishAccepted m:
                    writer.Write(m.Correlation);
                    break;
                case PublishFailed m:
                    writer.Write(m.Correlation);
                    writer.Write(m.Reason);
                    break;
                case PresenceJoin m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    writer.Write(m.SocketId);
                    WriteNullable(writer, m.UserId);
                    break;
                case PresenceLeave m:
                    writer.Write(m.Channel);
                    WriteRef(writer, m.Broker);
                    writer.Write(m.SocketId);
                    break;
                case PresenceQuery m:
                    writer.Write(m.Channel);
                    writer.Write(m.WithMembers);
                    WriteRef(writer, m.ReplyTo);
                    writer.Write(m.Correlation);
                    break;
                case PresenceAnswer m:
                    writer.Write(m.Channel);
                    writer.Write(m.Correlation);
                    writer.Write(m.Enabled);
                    writer.Write(m.Sockets);
                    writer.Write(m.Users);
                    WriteMembers(writer, m.Members);
                    break;
                case HistoryQuery m:
                    writer.Write(m.Channel);
                    WriteNullable(writer, m.Epoch);
                    writer.Write(m.Since);
                    writer.Write(m.Limit);
                    WriteRef(writer, m.ReplyTo);
                    writer.Write(m.Correlation);
                    break;
                case HistoryAnswer m:
                    writer.Write(m.Channel);
                    writer.Write(m.Correlation);
                    writer.Write(m.Enabled);
                    writer.Write(m.Epoch);
                    writer.Write(m.Offset);
                    writer.Write(m.Complete);
                    writer.Write(m.Frames.Length);
                    foreach (var frame in m.Frames) WriteBytes(writer, frame);
                    break;
                case HistoryHandoff m:
                    writer.Write(m.Channel);
                    writer.Write(m.Epoch);
                    writer.Write(m.Offset);
                    WriteEntries(writer, m.Entries);
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
            TracedDeliverManifest => new Deliver(reader.ReadString(), ReadBytes(reader), reader.ReadString()),
            WhoSubscribesManifest => new WhoSubscribes(reader.ReadString(), ReadRef(reader)!),
            SubscriptionReportManifest => new SubscriptionReport(reader.ReadString(), ReadRef(reader)!, reader.ReadBoolean(), reader.ReadBoolean(), ReadMembers(reader),
                reader.ReadBoolean() ? new HistoryTail(reader.ReadString(), reader.ReadInt64(), ReadArray(reader, ReadEntry)) : null),
            SequencedPublishManifest => new SequencedPublish(reader.ReadString(), ReadBytes(reader), ReadRef(reader), reader.ReadInt64(), ReadKey(reader)),
            HistoryDeliverManifest => new HistoryDeliver(reader.ReadString(), reader.ReadString(), ReadEntry(reader), reader.ReadBoolean()),
            HistoryReplicateManifest => new HistoryReplicate(reader.ReadString(), reader.ReadString(), reader.ReadInt64(), ReadArray(reader, ReadEntry)),
            HistoryReplicatedManifest => new HistoryReplicated(reader.ReadString(), reader.ReadString(), reader.ReadInt64()),
            HistoryForgetManifest => new HistoryForget(reader.ReadString()),
            JournaledPublicationManifest => new JournaledPublication(reader.ReadString(), reader.ReadInt64(), ReadBytes(reader), reader.ReadInt64(), ReadKey(reader)),
            PublishAcceptedManifest => new PublishAccepted(reader.ReadInt64()),
            PublishFailedManifest => new PublishFailed(reader.ReadInt64(), reader.ReadString()),
            PresenceJoinManifest => new PresenceJoin(reader.ReadString(), ReadRef(reader)!, reader.ReadString(), ReadNullable(reader)),
            PresenceLeaveManifest => new PresenceLeave(reader.ReadString(), ReadRef(reader)!, reader.ReadString()),
            PresenceQueryManifest => new PresenceQuery(reader.ReadString(), reader.ReadBoolean(), ReadRef(reader)!, reader.ReadInt64()),
            PresenceAnswerManifest => new PresenceAnswer(reader.ReadString(), reader.ReadInt64(), reader.ReadBoolean(), reader.ReadInt32(), reader.ReadInt32(),
                ReadMembers(reader) ?? []),
            HistoryQueryManifest => new HistoryQuery(reader.ReadString(), ReadNullable(reader), reader.ReadInt64(), reader.ReadInt32(), ReadRef(reader)!, reader.ReadInt64()),
            HistoryAnswerManifest => new HistoryAnswer(reader.ReadString(), reader.ReadInt64(), reader.ReadBoolean(), reader.ReadString(), reader.ReadInt64(),
                reader.ReadBoolean(), ReadArray(reader, ReadBytes)),
            HistoryHandoffManifest => new HistoryHandoff(reader.ReadString(), reader.ReadString(), reader.ReadInt64(), ReadArray(reader, ReadEntry)),
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

    private static T[] ReadArray<T>(BinaryReader reader, Func<BinaryReader, T> read)
    {
        var items = new T[reader.ReadInt32()];
        for (var i = 0; i < items.Length; i++) items[i] = read(reader);
        return items;
    }

    private static void WriteEntries(BinaryWriter writer, HistoryBuffer.Entry[] entries)
    {
        writer.Write(entries.Length);
        foreach (var entry in entries) WriteEntry(writer, entry);
    }

    /// <summary>An entry's time travels as its age: each node's monotonic clock has its own origin.</summary>
    private static void WriteEntry(BinaryWriter writer, HistoryBuffer.Entry entry)
    {
        writer.Write(entry.Offset);
        WriteBytes(writer, entry.Frame);
        writer.Write(Environment.TickCount64 - entry.AddedAtMs);
        WriteKey(writer, entry.Key);
    }

    private static HistoryBuffer.Entry ReadEntry(BinaryReader reader) =>
        new(reader.ReadInt64(), ReadBytes(reader), Environment.TickCount64 - reader.ReadInt64(), ReadKey(reader));

    private static void WriteKey(BinaryWriter writer, PublishKey key)
    {
        writer.Write(key.Node);
        writer.Write(key.Sequence);
    }

    private static PublishKey ReadKey(BinaryReader reader) => new(reader.ReadInt64(), reader.ReadInt64());

    private static void WriteNullable(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null) writer.Write(value);
    }

    private static string? ReadNullable(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static void WriteMembers(BinaryWriter writer, PresenceMember[]? members)
    {
        writer.Write(members?.Length ?? -1);
        foreach (var member in members ?? [])
        {
            writer.Write(member.SocketId);
            WriteNullable(writer, member.UserId);
            writer.Write(member.Node);
        }
    }

    private static PresenceMember[]? ReadMembers(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0) return null;
        var members = new PresenceMember[count];
        for (var i = 0; i < count; i++) members[i] = new PresenceMember(reader.ReadString(), ReadNullable(reader), reader.ReadString());
        return members;
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
