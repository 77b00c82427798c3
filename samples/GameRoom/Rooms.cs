using Akka.Actor;
using Akka.Cluster.Sharding;
using AGServer;
using AGServer.Sockets;

namespace GameRoom;

/// <summary>The room region, and the <c>move</c> procedure routed to it.</summary>
public static class Rooms
{
    public static IActorRef Start(SocketClusterServer server)
    {
        // README:rooms
        var rooms = ClusterSharding.Get(server.System).Start("room", Props.Create<Room>(), ClusterShardingSettings.Create(server.System),
            ActorRequest.ShardMessageExtractor(30));
        server.MapProcedure<Move>("move", rooms, move => move.Room);      // each "move" invoke goes to its room
        // README:end
        return rooms;
    }

    /// <summary>
    /// The rooms' journal: Akka.Persistence.Sql on an SQLite file (every node of a one-machine cluster names the same
    /// file; a cluster on several machines names one PostgreSQL database instead).
    /// </summary>
    public static string Journal(string file) => $$"""
        akka.persistence {
          journal.plugin = "akka.persistence.journal.sql"
          journal.sql {
            class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
            connection-string = "Data Source={{file}}"
            provider-name = "SQLite.MS"
            auto-initialize = true
          }
          snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
          snapshot-store.sql {
            class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
            connection-string = "Data Source={{file}}"
            provider-name = "SQLite.MS"
            auto-initialize = true
          }
        }
        """;
}
