using System.Diagnostics;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Streams.Internal;

namespace AGServer.Sockets;

/// <summary>
/// An RPC from a client (<c>invoke</c>): answer it once with <see cref="End"/> or <see cref="Error"/>.
/// Answering twice throws <see cref="InvalidActionError"/>. Thread-safe.
/// </summary>
public sealed class AGRequest : IFailable, IInboundItem
{
    private int _sent;
    private int _taken;
    // When it arrived, for the RPC duration metric; 0 while nothing listens to it (no clock read then).
    private readonly long _arrived;

    internal AGRequest(AGServerSocket socket, long id, string procedure, RawJson data)
    {
        _arrived = socket.Server.Metrics.RecordsRpcServer ? Stopwatch.GetTimestamp() : 0;
        Activity = AGServerTracing.StartDetached(procedure, ActivityKind.Server, socket.Server.NodeAddress);
        if (Activity is not null)
        {
            Activity.SetTag("rpc.system", "socketcluster");
            Activity.SetTag("rpc.method", procedure);
            Activity.SetTag("agserver.socket.id", socket.Id);
        }
        Socket = socket;
        Id = id;
        Procedure = procedure;
        Data = data;
    }

    public AGServerSocket Socket { get; }

    /// <summary>The call id (cid) the client gave; the response carries it as rid.</summary>
    public long Id { get; }

    public string Procedure { get; }

    /// <summary>The request data, as raw JSON (absent when the client sent none).</summary>
    public RawJson Data { get; internal set; }

    /// <summary>
    /// This invoke's span while something listens to <see cref="AGServerTracing.SourceName"/> (null otherwise): handlers
    /// run with it as <see cref="Activity.Current"/>, and an invoke routed to an actor carries it to the serving node.
    /// </summary>
    public Activity? Activity { get; }

    /// <summary>True once answered.</summary>
    public bool Sent => Volatile.Read(ref _sent) == 1;

    /// <summary>Answers with <paramref name="data"/> (absent when null).</summary>
    public void End(object? data = null)
    {
        MarkSent();
        Socket.SendPacket(OutboundPacket.Response(Id, data));
        Measure(null);
    }

    /// <summary>Answers with an error, dehydrated with its SocketCluster name.</summary>
    public void Error(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        MarkSent();
        Socket.SendPacket(OutboundPacket.ErrorResponse(Id, error));
        Measure(error);
    }

    bool IInboundItem.IsStale => Socket.State == SocketState.Closed;

    void IInboundItem.Taken()
    {
        if (Interlocked.Exchange(ref _taken, 1) == 0) Socket.InboundItemTaken(InboundCharge);
    }

    /// <summary>What it holds of its socket's inbound window until taken (<see cref="AGServerSocket.ChargeInboundItem"/>).</summary>
    internal int InboundCharge { get; set; }

    bool IFailable.IsSettled => Sent;

    /// <summary>The handler failed: answers with <paramref name="error"/> unless it answered already.</summary>
    void IFailable.Fail(Exception error)
    {
        if (Interlocked.Exchange(ref _sent, 1) == 1) return;
        Socket.SendPacket(OutboundPacket.ErrorResponse(Id, error));
        Measure(error);
    }

    /// <summary>Every answered invoke is measured, whatever served it (a handler, a stream, a per-socket handler, an actor).</summary>
    private void Measure(Exception? error)
    {
        if (error is not null) Socket.Server.Metrics.RpcFailed();
        if (_arrived == 0 && Activity is null) return;
        var errorName = error is null ? null : (error as INamedError)?.Name ?? "ServerError";
        if (_arrived != 0) Socket.Server.Metrics.RpcServer(Procedure, Stopwatch.GetElapsedTime(_arrived), errorName);
        AGServerTracing.End(Activity, errorName);
    }

    private void MarkSent()
    {
        if (Interlocked.Exchange(ref _sent, 1) == 1)
            throw new InvalidActionError($"Response to request {Id} ({Procedure}) has already been sent");
    }
}

/// <summary>A transmit from a client to a receiver.</summary>
public sealed record ReceivedMessage(AGServerSocket Socket, string Receiver, RawJson Data) : IInboundItem
{
    private int _taken;

    bool IInboundItem.IsStale => Socket.State == SocketState.Closed;

    void IInboundItem.Taken()
    {
        if (Interlocked.Exchange(ref _taken, 1) == 0) Socket.InboundItemTaken(InboundCharge);
    }

    /// <summary>What it holds of its socket's inbound window until taken (<see cref="AGServerSocket.ChargeInboundItem"/>).</summary>
    internal int InboundCharge { get; set; }
}
