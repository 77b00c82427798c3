using AGServer.Streams;

namespace AGServer.SocketCluster;

/// <summary>
/// socketcluster-server's stream management on the server, by its names: its listener family, and the same for the
/// server-wide receivers and procedures. The SocketCluster parity layer: <c>using AGServer.SocketCluster;</c> to call
/// them; the .NET API gets its streams from <see cref="SocketClusterServer.Listener{T}"/>,
/// <see cref="SocketClusterServer.Procedure"/> and <see cref="SocketClusterServer.Receiver"/>.
/// </summary>
public static partial class SocketClusterExtensions
{
    // ---- Listener streams (socketcluster-server's listener family) ----

    /// <summary>Ends the consumers of the listener <paramref name="name"/> after their backlog.</summary>
    public static void CloseListener(this SocketClusterServer server, string name) => server.Listeners.Close(name);

    /// <summary>Ends the consumers of every listener after their backlog.</summary>
    public static void CloseAllListeners(this SocketClusterServer server) => server.Listeners.CloseAll();

    /// <summary>Ends the consumers of the listener <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public static void KillListener(this SocketClusterServer server, string name) => server.Listeners.Kill(name);

    /// <summary>Ends the consumers of every listener at once.</summary>
    public static void KillAllListeners(this SocketClusterServer server) => server.Listeners.KillAll();

    public static void KillListenerConsumer(this SocketClusterServer server, long consumerId) => server.Listeners.KillConsumer(consumerId);

    public static ConsumerStats? GetListenerConsumerStats(this SocketClusterServer server, long consumerId) => server.Listeners.GetConsumerStats(consumerId);

    public static IReadOnlyList<ConsumerStats> GetListenerConsumerStatsList(this SocketClusterServer server, string name) => server.Listeners.GetConsumerStatsList(name);

    public static IReadOnlyList<ConsumerStats> GetAllListenersConsumerStatsList(this SocketClusterServer server) => server.Listeners.GetConsumerStatsListAll();

    public static int GetListenerBackpressure(this SocketClusterServer server, string name) => server.Listeners.GetBackpressure(name);

    public static int GetAllListenersBackpressure(this SocketClusterServer server) => server.Listeners.GetBackpressureAll();

    public static int GetListenerConsumerBackpressure(this SocketClusterServer server, long consumerId) => server.Listeners.GetConsumerBackpressure(consumerId);

    public static bool HasListenerConsumer(this SocketClusterServer server, string name, long consumerId) => server.Listeners.HasConsumer(name, consumerId);

    public static bool HasAnyListenerConsumer(this SocketClusterServer server, long consumerId) => server.Listeners.HasConsumerAll(consumerId);

    // ---- Receiver streams (socketcluster-server's receiver family) ----

    /// <summary>Ends the consumers of the receiver <paramref name="name"/> after their backlog.</summary>
    public static void CloseReceiver(this SocketClusterServer server, string name) => server.Receivers.Close(name);

    /// <summary>Ends the consumers of every receiver after their backlog.</summary>
    public static void CloseAllReceivers(this SocketClusterServer server) => server.Receivers.CloseAll();

    /// <summary>Ends the consumers of the receiver <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public static void KillReceiver(this SocketClusterServer server, string name) => server.Receivers.Kill(name);

    /// <summary>Ends the consumers of every receiver at once.</summary>
    public static void KillAllReceivers(this SocketClusterServer server) => server.Receivers.KillAll();

    public static void KillReceiverConsumer(this SocketClusterServer server, long consumerId) => server.Receivers.KillConsumer(consumerId);

    public static ConsumerStats? GetReceiverConsumerStats(this SocketClusterServer server, long consumerId) => server.Receivers.GetConsumerStats(consumerId);

    public static IReadOnlyList<ConsumerStats> GetReceiverConsumerStatsList(this SocketClusterServer server, string name) => server.Receivers.GetConsumerStatsList(name);

    public static IReadOnlyList<ConsumerStats> GetAllReceiversConsumerStatsList(this SocketClusterServer server) => server.Receivers.GetConsumerStatsListAll();

    public static int GetReceiverBackpressure(this SocketClusterServer server, string name) => server.Receivers.GetBackpressure(name);

    public static int GetAllReceiversBackpressure(this SocketClusterServer server) => server.Receivers.GetBackpressureAll();

    public static int GetReceiverConsumerBackpressure(this SocketClusterServer server, long consumerId) => server.Receivers.GetConsumerBackpressure(consumerId);

    public static bool HasReceiverConsumer(this SocketClusterServer server, string name, long consumerId) => server.Receivers.HasConsumer(name, consumerId);

    public static bool HasAnyReceiverConsumer(this SocketClusterServer server, long consumerId) => server.Receivers.HasConsumerAll(consumerId);

    // ---- Procedure streams (socketcluster-server's procedure family) ----

    /// <summary>Ends the consumers of the procedure <paramref name="name"/> after their backlog.</summary>
    public static void CloseProcedure(this SocketClusterServer server, string name) => server.Procedures.Close(name);

    /// <summary>Ends the consumers of every procedure after their backlog.</summary>
    public static void CloseAllProcedures(this SocketClusterServer server) => server.Procedures.CloseAll();

    /// <summary>Ends the consumers of the procedure <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public static void KillProcedure(this SocketClusterServer server, string name) => server.Procedures.Kill(name);

    /// <summary>Ends the consumers of every procedure at once.</summary>
    public static void KillAllProcedures(this SocketClusterServer server) => server.Procedures.KillAll();

    public static void KillProcedureConsumer(this SocketClusterServer server, long consumerId) => server.Procedures.KillConsumer(consumerId);

    public static ConsumerStats? GetProcedureConsumerStats(this SocketClusterServer server, long consumerId) => server.Procedures.GetConsumerStats(consumerId);

    public static IReadOnlyList<ConsumerStats> GetProcedureConsumerStatsList(this SocketClusterServer server, string name) => server.Procedures.GetConsumerStatsList(name);

    public static IReadOnlyList<ConsumerStats> GetAllProceduresConsumerStatsList(this SocketClusterServer server) => server.Procedures.GetConsumerStatsListAll();

    public static int GetProcedureBackpressure(this SocketClusterServer server, string name) => server.Procedures.GetBackpressure(name);

    public static int GetAllProceduresBackpressure(this SocketClusterServer server) => server.Procedures.GetBackpressureAll();

    public static int GetProcedureConsumerBackpressure(this SocketClusterServer server, long consumerId) => server.Procedures.GetConsumerBackpressure(consumerId);

    public static bool HasProcedureConsumer(this SocketClusterServer server, string name, long consumerId) => server.Procedures.HasConsumer(name, consumerId);

    public static bool HasAnyProcedureConsumer(this SocketClusterServer server, long consumerId) => server.Procedures.HasConsumerAll(consumerId);
}
