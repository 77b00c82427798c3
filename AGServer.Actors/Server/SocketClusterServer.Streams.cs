using AGServer.Streams;

namespace AGServer;

// The stream management of socketcluster-server's AGServer (listeners), and the same for the server-wide receivers and procedures.
public sealed partial class SocketClusterServer
{
    // ---- Listener streams (socketcluster-server's listener family) ----

    /// <summary>Ends the consumers of the listener <paramref name="name"/> after their backlog.</summary>
    public void CloseListener(string name) => Listeners.Close(name);

    /// <summary>Ends the consumers of every listener after their backlog.</summary>
    public void CloseAllListeners() => Listeners.CloseAll();

    /// <summary>Ends the consumers of the listener <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public void KillListener(string name) => Listeners.Kill(name);

    /// <summary>Ends the consumers of every listener at once.</summary>
    public void KillAllListeners() => Listeners.KillAll();

    public void KillListenerConsumer(long consumerId) => Listeners.KillConsumer(consumerId);

    public ConsumerStats? GetListenerConsumerStats(long consumerId) => Listeners.GetConsumerStats(consumerId);

    public IReadOnlyList<ConsumerStats> GetListenerConsumerStatsList(string name) => Listeners.GetConsumerStatsList(name);

    public IReadOnlyList<ConsumerStats> GetAllListenersConsumerStatsList() => Listeners.GetConsumerStatsListAll();

    public int GetListenerBackpressure(string name) => Listeners.GetBackpressure(name);

    public int GetAllListenersBackpressure() => Listeners.GetBackpressureAll();

    public int GetListenerConsumerBackpressure(long consumerId) => Listeners.GetConsumerBackpressure(consumerId);

    public bool HasListenerConsumer(string name, long consumerId) => Listeners.HasConsumer(name, consumerId);

    public bool HasAnyListenerConsumer(long consumerId) => Listeners.HasConsumerAll(consumerId);

    // ---- Receiver streams (socketcluster-server's receiver family) ----

    /// <summary>Ends the consumers of the receiver <paramref name="name"/> after their backlog.</summary>
    public void CloseReceiver(string name) => Receivers.Close(name);

    /// <summary>Ends the consumers of every receiver after their backlog.</summary>
    public void CloseAllReceivers() => Receivers.CloseAll();

    /// <summary>Ends the consumers of the receiver <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public void KillReceiver(string name) => Receivers.Kill(name);

    /// <summary>Ends the consumers of every receiver at once.</summary>
    public void KillAllReceivers() => Receivers.KillAll();

    public void KillReceiverConsumer(long consumerId) => Receivers.KillConsumer(consumerId);

    public ConsumerStats? GetReceiverConsumerStats(long consumerId) => Receivers.GetConsumerStats(consumerId);

    public IReadOnlyList<ConsumerStats> GetReceiverConsumerStatsList(string name) => Receivers.GetConsumerStatsList(name);

    public IReadOnlyList<ConsumerStats> GetAllReceiversConsumerStatsList() => Receivers.GetConsumerStatsListAll();

    public int GetReceiverBackpressure(string name) => Receivers.GetBackpressure(name);

    public int GetAllReceiversBackpressure() => Receivers.GetBackpressureAll();

    public int GetReceiverConsumerBackpressure(long consumerId) => Receivers.GetConsumerBackpressure(consumerId);

    public bool HasReceiverConsumer(string name, long consumerId) => Receivers.HasConsumer(name, consumerId);

    public bool HasAnyReceiverConsumer(long consumerId) => Receivers.HasConsumerAll(consumerId);

    // ---- Procedure streams (socketcluster-server's procedure family) ----

    /// <summary>Ends the consumers of the procedure <paramref name="name"/> after their backlog.</summary>
    public void CloseProcedure(string name) => Procedures.Close(name);

    /// <summary>Ends the consumers of every procedure after their backlog.</summary>
    public void CloseAllProcedures() => Procedures.CloseAll();

    /// <summary>Ends the consumers of the procedure <paramref name="name"/> at once; its backpressure drops to 0.</summary>
    public void KillProcedure(string name) => Procedures.Kill(name);

    /// <summary>Ends the consumers of every procedure at once.</summary>
    public void KillAllProcedures() => Procedures.KillAll();

    public void KillProcedureConsumer(long consumerId) => Procedures.KillConsumer(consumerId);

    public ConsumerStats? GetProcedureConsumerStats(long consumerId) => Procedures.GetConsumerStats(consumerId);

    public IReadOnlyList<ConsumerStats> GetProcedureConsumerStatsList(string name) => Procedures.GetConsumerStatsList(name);

    public IReadOnlyList<ConsumerStats> GetAllProceduresConsumerStatsList() => Procedures.GetConsumerStatsListAll();

    public int GetProcedureBackpressure(string name) => Procedures.GetBackpressure(name);

    public int GetAllProceduresBackpressure() => Procedures.GetBackpressureAll();

    public int GetProcedureConsumerBackpressure(long consumerId) => Procedures.GetConsumerBackpressure(consumerId);

    public bool HasProcedureConsumer(string name, long consumerId) => Procedures.HasConsumer(name, consumerId);

    public bool HasAnyProcedureConsumer(long consumerId) => Procedures.HasConsumerAll(consumerId);
}
