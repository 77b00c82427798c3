using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Serialization;

namespace AGServer.Auth;

/// <summary>
/// Akka.DistributedData's durable store for the node's data directory: one file per replicated key, written whole on
/// every change (write to a temporary file, then an atomic rename) and read back when the replicator starts. It
/// replaces Akka.DistributedData.LightningDB's LMDB store, which is built against a LightningDB the package feed no
/// longer serves (its calls fail at run time against the served one). Fit for the few, small keys that must outlive a
/// restart of every node (<see cref="Revocations"/>); when a served LMDB store works again it can take over.
/// Configured as <c>akka.cluster.distributed-data.durable.store-actor-class</c>, with <c>durable.agserver.dir</c>.
/// </summary>
internal sealed class FileDurableStore : ReceiveActor
{
    private const string Suffix = ".ddata";

    private readonly string _dir;
    private readonly Akka.Serialization.Serialization _serialization;

    public FileDurableStore(Config config)
    {
        _dir = config.GetString("agserver.dir") is { Length: > 0 } dir
            ? dir
            : throw new ConfigurationException("akka.cluster.distributed-data.durable.agserver.dir must name the directory of the durable keys");
        _serialization = Context.System.Serialization;
        Directory.CreateDirectory(_dir);
        Receive<LoadAll>(_ => Load());
        Receive<Store>(Save);
    }

    private void Load()
    {
        var entries = ImmutableDictionary.CreateBuilder<string, DurableDataEnvelope>();
        foreach (var file in Directory.EnumerateFiles(_dir, "*" + Suffix))
        {
            var key = Encoding.UTF8.GetString(Convert.FromHexString(Path.GetFileNameWithoutExtension(file)));
            using var reader = new BinaryReader(File.OpenRead(file));
            var serializerId = reader.ReadInt32();
            var manifest = reader.ReadString();
            var bytes = reader.ReadBytes(reader.ReadInt32());
            entries[key] = (DurableDataEnvelope)_serialization.Deserialize(bytes, serializerId, manifest);
        }
        if (entries.Count > 0) Sender.Tell(new LoadData(entries.ToImmutable()));
        Sender.Tell(LoadAllCompleted.Instance);
    }

    private void Save(Store store)
    {
        try
        {
            var serializer = _serialization.FindSerializerFor(store.Data);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, store.Data);
            var bytes = serializer.ToBinary(store.Data);
            // Key names are the application's: hex keeps any of them a valid file name.
            var file = Path.Combine(_dir, Convert.ToHexString(Encoding.UTF8.GetBytes(store.Key)) + Suffix);
            var temporary = file + ".tmp";
            using (var writer = new BinaryWriter(File.Create(temporary)))
            {
                writer.Write(serializer.Identifier);
                writer.Write(manifest);
                writer.Write(bytes.Length);
                writer.Write(bytes);
                writer.Flush();
                ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
            }
            File.Move(temporary, file, overwrite: true);
            store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
        }
        catch (Exception) when (store.Reply is not null)
        {
            store.Reply.ReplyTo.Tell(store.Reply.FailureMessage);
        }
    }
}
