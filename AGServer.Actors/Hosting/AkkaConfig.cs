using System.Reflection;
using Akka.Configuration;

namespace AGServer.Hosting;

/// <summary>Builds a node's Akka configuration: cluster.hocon (embedded) with the node's address and seeds on top.</summary>
internal static class AkkaConfig
{
    /// <summary>The cluster.hocon shipped with the library.</summary>
    public static Config Defaults { get; } = LoadEmbedded();

    public static Config For(NodeOptions node)
    {
        var seeds = string.Join(", ", KnownMembers.SeedsWithRemembered(node).Select(s => $"\"{s}\""));
        var overrides = $$"""
            akka.remote.dot-netty.tcp.hostname = "{{node.Hostname}}"
            akka.remote.dot-netty.tcp.port = {{node.ClusterPort}}
            akka.cluster.seed-nodes = [{{seeds}}]
            """;
        if (node.Discovery is { } method)
        {
            overrides += $"\nakka.discovery.method = \"{method}\"";
            if (node.ContactPoints.Count > 0)
                overrides += $"\nakka.discovery.config.services.\"{node.ServiceName}\".endpoints = [{string.Join(", ", node.ContactPoints.Select(c => $"\"{c}\""))}]";
        }
        if (node.DataDirectory is { } data)
        {
            // Revocations and blocks (Auth/Revocations) survive a restart of every node: written to files on this node too.
            var dir = Path.Combine(data, "ddata").Replace("\\", "/");
            overrides += $$"""

                akka.cluster.distributed-data.durable.keys = [{{string.Join(", ", Auth.Revocations.DurableKeys.Select(k => $"\"{k}\""))}}]
                akka.cluster.distributed-data.durable.store-actor-class = "AGServer.Auth.FileDurableStore, AGServer"
                akka.cluster.distributed-data.durable.agserver.dir = "{{dir}}"
                """;
        }
        if (node.HistoryJournal != HistoryJournalKind.None)
        {
            // Channel histories (and an application's persistent actors) in Akka.Persistence.Sql. SQLite.MS and
            // PostgreSQL.15 are linq2db's provider names; PostgreSQL.15 speaks to newer servers too.
            var provider = node.HistoryJournal == HistoryJournalKind.Sqlite ? "SQLite.MS" : "PostgreSQL.15";
            var connection = Quote(node.HistoryConnection!);
            overrides += $$"""

                akka.persistence.journal.plugin = "akka.persistence.journal.sql"
                akka.persistence.journal.sql { connection-string = {{connection}}, provider-name = "{{provider}}", auto-initialize = true }
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
                akka.persistence.snapshot-store.sql { connection-string = {{connection}}, provider-name = "{{provider}}", auto-initialize = true }
                agserver.channels.history-journal = on
                """;
            if (node.HistoryJournal == HistoryJournalKind.Sqlite)
            {
                if (node.DataDirectory is { } directory) Directory.CreateDirectory(directory);
                SqliteJournalFile.Prepare(node.HistoryConnection!);
            }
        }
        var config = ConfigurationFactory.ParseString(overrides);
        // The sharding, singleton and distributed-data defaults (serializers included) are in place from the start, so
        // messages other nodes send before this node has started sharding can be read.
        return config.WithFallback(Defaults)
            .WithFallback(Akka.Cluster.Sharding.ClusterSharding.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig())
            .WithFallback(node.HistoryJournal == HistoryJournalKind.None ? Config.Empty : Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }

    /// <summary>A HOCON string literal.</summary>
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static Config LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("AGServer.cluster.hocon")
                           ?? throw new InvalidOperationException("cluster.hocon is not embedded in the AGServer assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
