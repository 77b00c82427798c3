using AGServer.Streams;
using AGServer.Sockets;

namespace AGServer.SocketCluster;

/// <summary>
/// socketcluster-server's stream management on a socket, by its names, over the socket's listener, receiver and
/// procedure streams. The SocketCluster parity layer: <c>using AGServer.SocketCluster;</c> to call them.
/// </summary>
public static partial class SocketClusterExtensions
{
    /// <summary>socketcluster-server's <c>getState()</c>: <see cref="AGServerSocket.State"/>.</summary>
    public static SocketState GetState(this AGServerSocket socket) => socket.State;

    // ---- Listener streams (socketcluster-server's listener family) ----

    /// <summary>Ends the consumers of the listener <paramref name="name"/> after their backlog.</summary>
    public static void CloseListener(this AGServerSocket socket, string name) => socket.Listeners.Close(name);

    /// <summary>Ends the consumers of every listener after their backlog.</summary>
    public static void CloseAllListeners(this AGServerSocket socket) => socket.Listeners.CloseAll();

    /// <summary>Ends the consumers of the listener <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public static void KillListener(this AGServerSocket socket, string name) => socket.Listeners.Kill(name);

    /// <summary>Ends the consumers of every listener at once.</summary>
    public static void KillAllListeners(this AGServerSocket socket) => socket.Listeners.KillAll();

    public static void KillListenerConsumer(this AGServerSocket socket, long consumerId) => socket.Listeners.KillConsumer(consumerId);

    public static ConsumerStats? GetListenerConsumerStats(this AGServerSocket socket, long consumerId) => socket.Listeners.GetConsumerStats(consumerId);

    public static IReadOnlyList<ConsumerStats> GetListenerConsumerStatsList(this AGServerSocket socket, string name) => socket.Listeners.GetConsumerStatsList(name);

    public static IReadOnlyList<ConsumerStats> GetAllListenersConsumerStatsList(this AGServerSocket socket) => socket.Listeners.GetConsumerStatsListAll();

    public static int GetListenerBackpressure(this AGServerSocket socket, string name) => socket.Listeners.GetBackpressure(name);

    public static int GetAllListenersBackpressure(this AGServerSocket socket) => socket.Listeners.GetBackpressureAll();

    public static int GetListenerConsumerBackpressure(this AGServerSocket socket, long consumerId) => socket.Listeners.GetConsumerBackpressure(consumerId);

    public static bool HasListenerConsumer(this AGServerSocket socket, string name, long consumerId) => socket.Listeners.HasConsumer(name, consumerId);

    public static bool HasAnyListenerConsumer(this AGServerSocket socket, long consumerId) => socket.Listeners.HasConsumerAll(consumerId);

    // ---- Receiver streams (socketcluster-server's receiver family) ----

    /// <summary>Ends the consumers of the receiver <paramref name="name"/> after their backlog.</summary>
    public static void CloseReceiver(this AGServerSocket socket, string name) => socket.Receivers.Close(name);

    /// <summary>Ends the consumers of every receiver after their backlog.</summary>
    public static void CloseAllReceivers(this AGServerSocket socket) => socket.Receivers.CloseAll();

    /// <summary>Ends the consumers of the receiver <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public static void KillReceiver(this AGServerSocket socket, string name) => socket.Receivers.Kill(name);

    /// <summary>Ends the consumers of every receiver at once.</summary>
    public static void KillAllReceivers(this AGServerSocket socket) => socket.Receivers.KillAll();

    public static void KillReceiverConsumer(this AGServerSocket socket, long consumerId) => socket.Receivers.KillConsumer(consumerId);

    public static ConsumerStats? GetReceiverConsumerStats(this AGServerSocket socket, long consumerId) => socket.Receivers.GetConsumerStats(consumerId);

    public static IReadOnlyList<ConsumerStats> GetReceiverConsumerStatsList(this AGServerSocket socket, string name) => socket.Receivers.GetConsumerStatsList(name);

    public static IReadOnlyList<ConsumerStats> GetAllReceiversConsumerStatsList(this AGServerSocket socket) => socket.Receivers.GetConsumerStatsListAll();

    public static int GetReceiverBackpressure(this AGServerSocket socket, string name) => socket.Receivers.GetBackpressure(name);

    public static int GetAllReceiversBackpressure(this AGServerSocket socket) => socket.Receivers.GetBackpressureAll();

    public static int GetReceiverConsumerBackpressure(this AGServerSocket socket, long consumerId) => socket.Receivers.GetConsumerBackpressure(consumerId);

    public static bool HasReceiverConsumer(this AGServerSocket socket, string name, long consumerId) => socket.Receivers.HasConsumer(name, consumerId);

    public static bool HasAnyReceiverConsumer(this AGServerSocket socket, long consumerId) => socket.Receivers.HasConsumerAll(consumerId);

    // ---- Procedure streams (socketcluster-server's procedure family) ----

    /// <summary>Ends the consumers of the procedure <paramref name="name"/> after their backlog.</summary>
    public static void CloseProcedure(this AGServerSocket socket, string name) => socket.Procedures.Close(name);

    /// <summary>Ends the consumers of every procedure after their backlog.</summary>
    public static void CloseAllProcedures(this AGServerSocket socket) => socket.Procedures.CloseAll();

    /// <summary>Ends the consumers of the procedure <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public static void KillProcedure(this AGServerSocket socket, string name) => socket.Procedures.Kill(name);

    /// <summary>Ends the consumers of every procedure at once.</summary>
    public static void KillAllProcedures(this AGServerSocket socket) => socket.Procedures.KillAll();

    public static void KillProcedureConsumer(this AGServerSocket socket, long consumerId) => socket.Procedures.KillConsumer(consumerId);

    public static ConsumerStats? GetProcedureConsumerStats(this AGServerSocket socket, long consumerId) => socket.Procedures.GetConsumerStats(consumerId);

    public static IReadOnlyList<ConsumerStats> GetProcedureConsumerStatsList(this AGServerSocket socket, string name) => socket.Procedures.GetConsumerStatsList(name);

    public static IReadOnlyList<ConsumerStats> GetAllProceduresConsumerStatsList(this AGServerSocket socket) => socket.Procedures.GetConsumerStatsListAll();

    public static int GetProcedureBackpressure(this AGServerSocket socket, string name) => socket.Procedures.GetBackpressure(name);

    public static int GetAllProceduresBackpressure(this AGServerSocket socket) => socket.Procedures.GetBackpressureAll();

    public static int GetProcedureConsumerBackpressure(this AGServerSocket socket, long consumerId) => socket.Procedures.GetConsumerBackpressure(consumerId);

    public static bool HasProcedureConsumer(this AGServerSocket socket, string name, long consumerId) => socket.Procedures.HasConsumer(name, consumerId);

    public static bool HasAnyProcedureConsumer(this AGServerSocket socket, long consumerId) => socket.Procedures.HasConsumerAll(consumerId);
}
