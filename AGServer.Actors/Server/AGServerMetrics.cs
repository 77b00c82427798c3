using System.Diagnostics.Metrics;
using Akka.Cluster;
using AGServer.Middleware;

namespace AGServer.Server;

/// <summary>
/// The server's metrics, through <see cref="System.Diagnostics.Metrics"/>: one meter named
/// <see cref="SocketClusterServer.MeterName"/> (made by the application's <see cref="IMeterFactory"/> when there is one).
/// Recording costs no allocation; with no listener it is a flag check. docs/OPERATIONS.md lists every instrument.
/// </summary>
internal sealed class AGServerMetrics
{
    private const string MeterName = SocketClusterServer.MeterName;

    private readonly Counter<long> _handshakes;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _disconnections;
    private readonly Histogram<double> _rpcServerDuration;
    private readonly Histogram<double> _rpcClientDuration;
    private readonly Counter<long> _publishes;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _forwards;
    private readonly Counter<long> _subscribes;
    private readonly Counter<long> _middlewareBlocks;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _undelivered;

    internal AGServerMetrics(SocketClusterServer server, IMeterFactory? factory)
    {
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        // A meter of our own goes with the node (a factory's goes with its container): a listener in the same process
        // must not go on hearing a server that is gone.
        if (factory is null) server.System.WhenTerminated.ContinueWith(_ => Meter.Dispose(), TaskScheduler.Default);
        Meter.CreateObservableUpDownCounter("agserver.connections", () => new[]
        {
            new Measurement<long>(server.ClientsCount, new KeyValuePair<string, object?>("agserver.connection.state", "open")),
            new Measurement<long>(server.PendingClientsCount, new KeyValuePair<string, object?>("agserver.connection.state", "handshaking")),
        }, "{connection}", "Sockets connected to this node, by state");
        Meter.CreateObservableUpDownCounter("agserver.inbound.held", () => server.InboundBudget.Held, "By",
            "Inbound bytes the node holds across sockets (messages being read, frames not yet processed), bounded by NodeInboundLimit");
        Meter.CreateObservableUpDownCounter("agserver.outbound.held", () => server.OutboundBudget.Held, "By",
            "Outbound bytes waiting in the node's socket outboxes, bounded by NodeOutboundLimit (at it, publishing sockets slow down)");
        _rateLimited = Meter.CreateCounter<long>("agserver.ratelimit.exceeded", "{action}",
            "Actions over a rate limit, by limit and outcome (rejected, dropped, slowed, disconnected, logged in a dry run)");
        _handshakes = Meter.CreateCounter<long>("agserver.handshakes", "{handshake}", "SocketCluster handshakes, by outcome (accepted, rejected, timed_out; upgrades refused: rate_limited, address_limit)");
        _disconnections = Meter.CreateCounter<long>("agserver.disconnections", "{connection}", "Sockets closed, by close code (4100: a slow consumer)");
        // Traffic is counted per socket, without contention (a shared counter on the fan-out path costs every
        // delivery a contended update), and summed when the meter is read.
        Meter.CreateObservableCounter("agserver.messages.received", () => server.Traffic().MessagesReceived, "{message}", "WebSocket messages received from clients");
        Meter.CreateObservableCounter("agserver.bytes.received", () => server.Traffic().BytesReceived, "By", "Payload bytes received from clients");
        Meter.CreateObservableCounter("agserver.messages.sent", () => server.Traffic().MessagesSent, "{message}", "WebSocket messages sent to clients (publish deliveries included)");
        Meter.CreateObservableCounter("agserver.bytes.sent", () => server.Traffic().BytesSent, "By", "Payload bytes sent to clients");
        _rpcServerDuration = Meter.CreateHistogram<double>("agserver.rpc.server.duration", "s", "Time to answer a client's invoke, by procedure, outcome and error name (every answered invoke, whatever served it)");
        _rpcClientDuration = Meter.CreateHistogram<double>("agserver.rpc.client.duration", "s", "Time a client took to answer the server's invoke, by procedure and outcome");
        _publishes = Meter.CreateCounter<long>("agserver.publishes", "{message}",
            "Messages published on channels from this node (clients and exchange), by outcome (accepted, failed: the cluster did not take it, blocked: by middleware)");
        _subscribes = Meter.CreateCounter<long>("agserver.subscribes", "{subscription}",
            "Clients' subscribes, by outcome (accepted, refused: invalid or over a limit, blocked: by middleware, timed_out: the cluster did not confirm it)");
        _deliveries = Meter.CreateCounter<long>("agserver.deliveries", "{message}",
            "Publish deliveries to this node's subscribers, by outcome (delivered: handed to the socket, filtered: blocked by OUTBOUND middleware)");
        _forwards = Meter.CreateCounter<long>("agserver.publishes.forwarded", "{message}",
            "Publications of plain channels this node's broker sent to other nodes' brokers (one per other node with subscribers of the channel)");
        _middlewareBlocks = Meter.CreateCounter<long>("agserver.middleware.blocks", "{action}", "Actions blocked by middleware, by middleware type");
        _authFailures = Meter.CreateCounter<long>("agserver.auth.failures", "{token}", "Auth tokens refused, by reason (the error's name)");
        _undelivered = Meter.CreateCounter<long>("agserver.socket_commands.undelivered", "{command}", "Socket commands sent to a socket that no node has");
        Meter.CreateObservableUpDownCounter("agserver.cluster.members", () =>
        {
            var state = Cluster.Get(server.System).State;
            return state.Members.GroupBy(m => state.Unreachable.Contains(m) ? "unreachable" : m.Status.ToString().ToLowerInvariant())
                .Select(g => new Measurement<long>(g.Count(), new KeyValuePair<string, object?>("agserver.member.status", g.Key)));
        }, "{node}", "Cluster members this node sees, by status");
    }

    /// <summary>The meter the instruments belong to.</summary>
    internal Meter Meter { get; }

    internal void Handshake(string outcome) => _handshakes.Add(1, new KeyValuePair<string, object?>("agserver.handshake.outcome", outcome));

    internal void RateLimited(string limit, string outcome)
    {
        Interlocked.Increment(ref _rateLimitedTotal);
        _rateLimited.Add(1, new KeyValuePair<string, object?>("agserver.ratelimit.limit", limit), new KeyValuePair<string, object?>("agserver.ratelimit.outcome", outcome));
    }

    // Totals for the dashboard's charts, whether or not a listener records the instruments. Each is updated where
    // the event is rare (an error, a limit hit) or counted once per publish by the one broker, never per socket.
    private long _rateLimitedTotal;
    private long _rpcErrorsTotal;
    private long _deliveriesTotal;

    internal long RateLimitedTotal => Interlocked.Read(ref _rateLimitedTotal);

    internal long RpcErrorsTotal => Interlocked.Read(ref _rpcErrorsTotal);

    internal long DeliveriesTotal => Interlocked.Read(ref _deliveriesTotal);

    /// <summary>An invoke answered with an error (counted whether or not the durations are recorded).</summary>
    internal void RpcFailed() => Interlocked.Increment(ref _rpcErrorsTotal);

    internal void Disconnection(int code) => _disconnections.Add(1, new KeyValuePair<string, object?>("agserver.close.code", code));

    /// <summary>An answered invoke: its procedure (names nothing serves folded into one), outcome and error name.</summary>
    internal void RpcServer(string procedure, TimeSpan elapsed, string? errorName) =>
        _rpcServerDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("rpc.method", procedure),
            new KeyValuePair<string, object?>("agserver.rpc.outcome", errorName is null ? "ok" : "error"),
            new KeyValuePair<string, object?>("error.type", errorName));

    /// <summary>True while something listens to the answered-invoke durations.</summary>
    internal bool RecordsRpcServer => _rpcServerDuration.Enabled;

    /// <summary>True while something listens to the invoke durations: only then is an invoke's end watched.</summary>
    internal bool RecordsRpcClient => _rpcClientDuration.Enabled;

    internal void RpcClient(string procedure, TimeSpan elapsed, string outcome) =>
        _rpcClientDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("rpc.method", procedure),
            new KeyValuePair<string, object?>("agserver.rpc.outcome", outcome));

    internal void Published(string outcome) => _publishes.Add(1, new KeyValuePair<string, object?>("agserver.publish.outcome", outcome));

    internal void Subscribed(string outcome) => _subscribes.Add(1, new KeyValuePair<string, object?>("agserver.subscribe.outcome", outcome));

    internal void Forwarded(int nodes) => _forwards.Add(nodes);

    internal void DeliveryFiltered() => _deliveries.Add(1, new KeyValuePair<string, object?>("agserver.delivery.outcome", "filtered"));

    internal void Delivered(int subscribers)
    {
        Interlocked.Add(ref _deliveriesTotal, subscribers);
        _deliveries.Add(subscribers, new KeyValuePair<string, object?>("agserver.delivery.outcome", "delivered"));
    }

    internal void MiddlewareBlocked(MiddlewareType type) =>
        _middlewareBlocks.Add(1, new KeyValuePair<string, object?>("agserver.middleware.type", type.ToSocketClusterName()));

    internal void AuthFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("agserver.auth.failure", reason));

    internal void Undelivered() => _undelivered.Add(1);
}
