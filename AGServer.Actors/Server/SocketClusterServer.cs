using AGServer.Diagnostics;
using System.Collections.Concurrent;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using AGServer.Auth;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Middleware;
using Akka.Streams;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Server.Internal;
using AGServer.Sockets;
using AGServer.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AGServer;

/// <summary>
/// One node's SocketCluster server (socketcluster-server's AGServer; in the root namespace <c>AGServer</c>): options, connected sockets, server events, and server-wide procedures
/// and receivers. The sockets themselves are actors, children of this server's actor.
/// Thread-safe: every member may be used from any thread.
/// </summary>
public sealed partial class SocketClusterServer
{
    /// <summary>
    /// The meter's name, for OpenTelemetry's <c>.AddMeter</c> (or <c>dotnet-counters</c>). The default node exports it
    /// (<c>Metrics:Prometheus</c>, <c>Metrics:Otlp</c>); docs/OPERATIONS.md lists every instrument. With no listener,
    /// recording is a flag check.
    /// </summary>
    public const string MeterName = "AGServer";

    /// <summary>The activity source's name, for OpenTelemetry's <c>.AddSource</c> (<c>Tracing:Otlp</c> in the default node).</summary>
    public const string ActivitySourceName = "AGServer";

    private readonly ConcurrentDictionary<string, AGServerSocket> _clients = new();
    private readonly ConcurrentDictionary<string, AGServerSocket> _pendingClients = new();
    private int _clientsCount;
    private int _pendingClientsCount;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Starts a server on <paramref name="system"/>, logging to <paramref name="loggerFactory"/> (nowhere when null),
    /// with handler parameters resolved from <paramref name="services"/> (a scope per call; none when null).
    /// Throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> for bad options. <c>AddAGServer</c> makes the one of a hosted node.
    /// </summary>
    public SocketClusterServer(ActorSystem system, AGServerOptions options, ILoggerFactory? loggerFactory = null, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        System = system;
        // Socket actors name their mailbox by config path; whatever config the system was made with, it knows this one
        // (once: a second server on the same system finds it there).
        if (!system.Settings.Config.HasPath(global::AGServer.Sockets.Internal.SocketMailbox.Id))
            system.Settings.InjectTopLevelFallback(global::AGServer.Sockets.Internal.SocketMailbox.SystemConfig);
        Services = services ?? new ServiceCollection().BuildServiceProvider();
        Options = options;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Logger = LoggerFactory.CreateLogger("AGServer");
        _codec = options.Codec ?? new JsonCodec(options.JsonSerializerOptions);
        Server.Internal.ServerJson.Of(system).Options = options.JsonSerializerOptions;
        Origins = OriginPolicy.Parse(options.Origins);
        Failures = new ApplicationFailures(this, Logger);
        Binders = new HandlerBinders(Services, options);
        InboundBudget = new Sockets.Internal.InboundBudget(options.NodeInboundLimit);
        OutboundBudget = new Sockets.Internal.OutboundBudget(options.NodeOutboundLimit);
        RateLimits = new RateLimitRules(options.RateLimits);
        ConnectionLimits = new Hosting.ConnectionLimits(options);
        Revocations = new Auth.Revocations(this);
        system.WhenTerminated.ContinueWith(_ => ConnectionLimits.Dispose(), TaskScheduler.Default);
        Listeners = new StreamGroup(Failures, options.StreamBufferLimit);
        Procedures = new StreamGroup(Failures, options.StreamBufferLimit, dropStale: true);
        Receivers = new StreamGroup(Failures, options.StreamBufferLimit, dropStale: true);
        Middleware = new MiddlewareRegistry(Failures, Logger, options.MiddlewareTimeoutMs, options.StreamBufferLimit);
        // Application code runs in the streams this materializer runs: a failure there costs the item it was handling.
        Materializer = system.Materializer(ActorMaterializerSettings.Create(system).WithSupervisionStrategy(Failures.Decide));
        if (options.AuthKey is null && options.AuthPrivateKey is null)
            options.AuthKey = Convert.ToHexStringLower(global::System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        _auth = options.AuthEngine ?? new JwtAuthEngine(options);
        ServerActorRef = system.ActorOf(Props.Create(() => new ServerActor(this)), ServerActorName);
        Metrics = new AGServerMetrics(this, Services.GetService<global::System.Diagnostics.Metrics.IMeterFactory>());
        ChannelFeatures = new Channels.Internal.ChannelFeatureMap(options.Channels);
        Exchange = StartChannels();
        if (options.RateLimits.ByKind().Any(kind => kind.Limits.Values.Any(limit => limit is { PerUser: true, PerSecond: > 0 })))
            UserBudgets = StartUserBudgets();
        Sockets = new SocketDirectory(this);
        if (!options.PingTimeoutDisabled)
        {
            KeepAlive = new KeepAliveWheel(options.PingInterval, options.PingTimeout, options.ProtocolVersion, system.Scheduler);
            system.RegisterOnTermination(KeepAlive.Dispose);
        }
        HandshakeDeadlines = new HandshakeDeadlines(options.HandshakeTimeout);
        system.RegisterOnTermination(HandshakeDeadlines.Dispose);
        if (options.TrimMemoryAfterLoad) MemoryTrimmer.EnsureStarted(system, LoggerFactory.CreateLogger("AGServer.Memory"));
        Users = new UserDirectory(this);
        Action<string> consumersChanged = _ => ServerActorRef.Tell(global::AGServer.Sockets.Internal.SocketActor.ConsumersChanged.Instance);
        Procedures.ConsumerAttached = consumersChanged;
        if (options.DashboardEnabled) Server.Admin.WebUiProcedures.MapDashboard(this, options);
        if (options.DemoEnabled) Server.Admin.WebUiProcedures.MapDemo(this);
        Receivers.ConsumerAttached = consumersChanged;
    }

    /// <summary>
    /// Joins the cluster (the node itself when no seed nodes are configured), waits until this node is up,
    /// then marks the server ready: from then on it accepts sockets.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var cluster = Cluster.Get(System);
        if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
        await WhenJoinedAsync(cancellationToken);
    }

    /// <summary>Waits until this node is up in its cluster (joined by someone else, e.g. discovery), then marks it ready.</summary>
    internal async Task WhenJoinedAsync(CancellationToken cancellationToken)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(cancellationToken);
        MarkReady();
    }

    /// <summary>
    /// The channel shard region and this node's broker. They start with the server, before the node has joined its
    /// cluster: messages to the region wait in it until the cluster is up, so the exchange can be used at once.
    /// </summary>
    private Exchange StartChannels()
    {
        var settings = ChannelSettings.From(System.Settings.Config);
        var channelLogger = LoggerFactory.CreateLogger("AGServer.Channels");
        var sharding = ClusterSharding.Get(System);
        var shardingSettings = AGServerSharding.Settings(System);
        var region = sharding.Start(
            ChannelEntity.TypeName,
            channel => ChannelEntity.Props(channel, settings, channelLogger, ChannelFeatures, () => _codec),
            shardingSettings,
            new ChannelMessageExtractor(settings.NumberOfShards),
            sharding.DefaultShardAllocationStrategy(shardingSettings),
            ChannelEntity.HandOffStop.Instance);
        var broker = System.ActorOf(Props.Create(() => new NodeBroker(region, () => _codec, channelLogger, Metrics, settings, ChannelFeatures, LocalFanOut, OutboundBudget)), NodeBroker.Name);
        return new Exchange(() => _codec, region, broker, Options.StreamBufferLimit, Failures, Metrics);
    }

    /// <summary>Per-user rate limits' leases (null when no limit is per user): one budget entity per user, sharded.</summary>
    internal UserBudgets? UserBudgets { get; }

    private UserBudgets StartUserBudgets()
    {
        var sharding = ClusterSharding.Get(System);
        var settings = AGServerSharding.Settings(System);
        var region = sharding.Start(UserBudgetEntity.TypeName, UserBudgetEntity.Props(), settings,
            new UserBudgetExtractor(ChannelSettings.From(System.Settings.Config).NumberOfShards),
            sharding.DefaultShardAllocationStrategy(settings), PoisonPill.Instance);
        return new UserBudgets(region, LoggerFactory.CreateLogger("AGServer.RateLimits"));
    }

    /// <summary>Local subscribers per channel, kept by the broker: what a publish costs this node (see <see cref="RateLimits.FanOut"/>).</summary>
    internal LocalFanOut LocalFanOut { get; } = new();

    /// <summary>This node's address, as spans and the dashboard name it (its cluster address; a test kit's local system has its own).</summary>
    internal string NodeAddress => _nodeAddress ??= ((ExtendedActorSystem)System).Provider.DefaultAddress.ToString();

    private string? _nodeAddress;

    /// <summary>What a load balancer needs to know: ready or not, and this node's view of the cluster.</summary>
    public NodeHealth Health()
    {
        var cluster = Cluster.Get(System);
        var state = cluster.State;
        return new NodeHealth(
            IsReady,
            cluster.SelfAddress.ToString(),
            cluster.SelfMember.Status.ToString(),
            ClientsCount,
            state.Members.Select(m => new NodeHealth.Member(m.Address.ToString(), m.Status.ToString(), state.Unreachable.Contains(m))).ToArray());
    }

    public AGServerOptions Options { get; }

    /// <summary>History, presence and recovery per channel, from <see cref="AGServerOptions.Channels"/>.</summary>
    internal Channels.Internal.ChannelFeatureMap ChannelFeatures { get; }

    /// <summary>The application's services: handlers mapped with <c>MapProcedure</c> / <c>MapReceiver</c> get theirs from a scope of it per call.</summary>
    public IServiceProvider Services { get; }

    public ActorSystem System { get; }

    /// <summary>
    /// A materializer for running the streams this server hands out. Application code that throws in a stream it runs
    /// costs only the item it was handling: a request is answered with an error, a middleware action is blocked, the
    /// failure is logged and emitted as an <c>error</c> event, and the stream goes on.
    /// </summary>
    public IMaterializer Materializer { get; }

    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>Pings the sockets and notices silent ones; null when pings are off.</summary>
    internal KeepAliveWheel? KeepAlive { get; }

    internal HandshakeDeadlines HandshakeDeadlines { get; }

    internal ILogger Logger { get; }

    internal ILogger TransportLogger => _transportLogger ??= LoggerFactory.CreateLogger("AGServer.Transport");

    private ILogger? _transportLogger;

    internal ApplicationFailures Failures { get; }

    /// <summary>Handler bindings, decided and compiled once per handler method.</summary>
    internal HandlerBinders Binders { get; }

    /// <summary>Token revocation and user blocking, cluster-wide (public as <see cref="Users"/>' revoke and block calls).</summary>
    internal Auth.Revocations Revocations { get; }

    /// <summary>The node's limits on new connections: handshake rate, connections per address.</summary>
    internal Hosting.ConnectionLimits ConnectionLimits { get; }

    /// <summary>The node's rate limits (<see cref="AGServerOptions.RateLimits"/>).</summary>
    internal RateLimitRules RateLimits { get; }

    /// <summary>The node's bound on inbound bytes held across its sockets (<see cref="AGServerOptions.NodeInboundLimit"/>).</summary>
    internal Sockets.Internal.InboundBudget InboundBudget { get; }

    /// <summary>The node's bound on outbound bytes waiting across its sockets (<see cref="AGServerOptions.NodeOutboundLimit"/>).</summary>
    internal Sockets.Internal.OutboundBudget OutboundBudget { get; }

    /// <summary>Procedure names some socket of this node has had a per-socket consumer for: their invokes wait for a setup.</summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, bool> ProceduresServedPerSocket { get; } = new();

    /// <summary>True when something on this node serves or has served procedure <paramref name="name"/>.</summary>
    internal bool KnowsProcedure(string name) => ProceduresServedPerSocket.ContainsKey(name) || Procedures.HadConsumer(name);

    /// <summary>The server actor, parent of every socket actor of this node.</summary>
    internal IActorRef ServerActorRef { get; }

    private volatile ISocketCodec _codec;

    /// <summary>The codec every socket of this node uses for frames.</summary>
    internal ISocketCodec Codec => _codec;

    /// <summary>
    /// Replaces the codec. Every node of a cluster must use the same codec, since published frames cross nodes as
    /// they were encoded; set it before clients connect.
    /// </summary>
    internal void SetCodecEngine(ISocketCodec codec) => _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <summary>The WebSocket path (socketcluster-server's getPath).</summary>
    public string Path => Options.Path;

    private volatile IAuthEngine _auth;

    /// <summary>The engine that verifies and signs auth tokens.</summary>
    public IAuthEngine AuthEngine => _auth;

    /// <summary>Replaces the auth engine; sockets use the new one from their next verification or signing.</summary>
    public void SetAuthEngine(IAuthEngine engine) => _auth = engine ?? throw new ArgumentNullException(nameof(engine));

    /// <summary>
    /// The server's access to channels, cluster-wide. Usable at once: what is sent before the node has joined its
    /// cluster waits for it (a subscription is confirmed, an <c>InvokePublishAsync</c> completes, once it has).
    /// </summary>
    public Exchange Exchange { get; }

    internal OriginPolicy Origins { get; }

    /// <summary>True once the server accepts and serves connections.</summary>
    public bool IsReady
    {
        get => Volatile.Read(ref _isReady);
        private set => Volatile.Write(ref _isReady, value);
    }

    // Read by the connection admission and health checks on other threads than the one that sets it.
    private bool _isReady;

    // Guards the observers' copy-on-write list (a private object: no caller can take it and stall emitters).
    private readonly object _observersLock = new();

    /// <summary>Completes when the server is ready (see <see cref="IsReady"/>).</summary>
    public Task WhenReady => _ready.Task;

    /// <summary>This server's metrics (meter <see cref="SocketClusterServer.MeterName"/>).</summary>
    internal AGServerMetrics Metrics { get; }

    /// <summary>Sockets by id, on any node of the cluster: <c>server.Sockets.Tell(socketId, command)</c>.</summary>
    public SocketDirectory Sockets { get; }

    /// <summary>Sockets by user (<see cref="AGServerOptions.UserIdClaim"/>), on every node: <c>server.Users.Tell(userId, command)</c>.</summary>
    public UserDirectory Users { get; }

    /// <summary>The path of the server actor of the node at <paramref name="node"/>.</summary>
    internal static ActorPath ServerActorPath(Address node) => new RootActorPath(node) / "user" / ServerActorName;

    private const string ServerActorName = "agserver";

    /// <summary>Sockets that completed their handshake, by id.</summary>
    public IReadOnlyDictionary<string, AGServerSocket> Clients => _clients;

    public int ClientsCount => Volatile.Read(ref _clientsCount);

    /// <summary>Sockets still in their handshake, by id.</summary>
    public IReadOnlyDictionary<string, AGServerSocket> PendingClients => _pendingClients;

    public int PendingClientsCount => Volatile.Read(ref _pendingClientsCount);

    /// <summary>The server's listener streams (see <see cref="ServerEvents"/>), with their management.</summary>
    internal StreamGroup Listeners { get; }

    /// <summary>Server-wide procedures: one stream per name receives that procedure's requests from every socket.</summary>
    internal StreamGroup Procedures { get; }

    /// <summary>Server-wide receivers: one stream per name receives that receiver's messages from every socket.</summary>
    internal StreamGroup Receivers { get; }

    /// <summary>A server event stream, for example <c>Listener(ServerEvents.Connection)</c>.</summary>
    public Source<T, NotUsed> Listener<T>(ListenerName<T> name) => Listeners.Stream<T>(name.Name).Source;

    /// <summary>
    /// Requests for procedure <paramref name="name"/> from every socket of this node. One stream serves all
    /// sockets, so it is the cheap way to serve a procedure; each request carries its socket.
    /// </summary>
    public Source<AGRequest, NotUsed> Procedure(string name) => Procedures.Stream<AGRequest>(name).Source;

    /// <summary>Messages for receiver <paramref name="name"/> from every socket of this node.</summary>
    public Source<ReceivedMessage, NotUsed> Receiver(string name) => Receivers.Stream<ReceivedMessage>(name).Source;

    /// <summary>Emits an <c>error</c> event.</summary>
    public void EmitError(Exception error) => Emit(ServerEvents.Error, error);

    /// <summary>Emits a <c>warning</c> event.</summary>
    public void EmitWarning(Exception warning) => Emit(ServerEvents.Warning, warning);

    /// <summary>
    /// Stops accepting sockets and, unless <paramref name="keepSocketsOpen"/>, disconnects every socket with 1001 so
    /// its client reconnects elsewhere. Completes once those sockets are closed (at most 30 s).
    /// </summary>
    public async Task CloseAsync(bool keepSocketsOpen = false, CancellationToken cancellationToken = default)
    {
        IsReady = false;
        if (keepSocketsOpen) return;
        await ServerActorRef.Ask<ServerActor.Closed>(ServerActor.Close.Instance, TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>
    /// Hands a new connection to the server actor, which starts its socket actor. <paramref name="handshakeStream"/>
    /// is the connection attempt's HANDSHAKE middleware stream when the transport ran HANDSHAKE_WS.
    /// </summary>
    internal void Accept(ISocketTransport transport, SocketRequest request, EventStream<AGAction>? handshakeStream = null) =>
        ServerActorRef.Tell(new ServerActor.AcceptConnection(transport, request, handshakeStream));

    /// <summary>
    /// Opens a socket on this node over a connection with no network and returns the client's end, its handshake still
    /// to do: for a client in the same process, such as tests' (give it to <c>AGServer.Client</c>'s
    /// <c>WebSocketFactory</c>). The socket is a real one (middleware, limits, events) with an empty
    /// <see cref="SocketRequest"/>; frames are not bounded in flight, and closing the client's end hangs up.
    /// </summary>
    public async Task<System.Net.WebSockets.WebSocket> ConnectInMemoryAsync(CancellationToken cancellationToken = default) =>
        new AGServer.Sockets.Internal.InMemoryWebSocket(await AGServer.Sockets.Internal.InMemoryTransport.ConnectAsync(this, cancellationToken: cancellationToken));

    internal MiddlewareRegistry Middleware { get; }

    /// <summary>
    /// Sets the middleware of <paramref name="type"/> (see <see cref="MiddlewareType"/>): <paramref name="handler"/> is
    /// called with a stream of actions once per socket (once per connection attempt for handshake) and must settle each.
    /// An unknown type is an <see cref="ArgumentOutOfRangeException"/>; a type set twice an <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="type">The middleware to set.</param>
    /// <param name="handler">Runs the stream of actions it is given, settling each.</param>
    /// <param name="filter">Optional: which actions enter the stream (the others are allowed at once); see <see cref="ActionInfo"/>.</param>
    public void SetMiddleware(MiddlewareType type, Action<Source<AGAction, NotUsed>> handler, Func<ActionInfo, bool>? filter = null) =>
        Middleware.Set(type, handler, filter);

    public void RemoveMiddleware(MiddlewareType type) => Middleware.Remove(type);

    public bool HasMiddleware(MiddlewareType type) => Middleware.Has(type);

    /// <summary>
    /// Runs HANDSHAKE_WS for a connection attempt before its upgrade. Returns the error to refuse it with (HTTP 401),
    /// or null to go on; <paramref name="handshakeStream"/> is the attempt's stream, to pass to <see cref="Accept"/>.
    /// </summary>
    internal async Task<Exception?> VerifyHandshake(SocketRequest request, Action<EventStream<AGAction>?> handshakeStream)
    {
        if (!Middleware.Wants(MiddlewareType.Handshake, new ActionInfo(ActionType.HandshakeWs, null, request))) return null;
        var stream = Middleware.Open(MiddlewareType.Handshake);
        handshakeStream(stream);
        if (stream is null) return null;
        var action = new AGAction(ActionType.HandshakeWs, request, null);
        var outcome = await Middleware.Decide(MiddlewareType.Handshake, stream, action);
        if (outcome.IsAllowed) return null;
        Metrics.MiddlewareBlocked(MiddlewareType.Handshake);
        stream.Close();
        var clientError = MiddlewareRegistry.ClientError(MiddlewareType.Handshake, action.Type, outcome.Error, out var emitted);
        if (Options.MiddlewareEmitFailures) EmitWarning(emitted);
        return clientError;
    }

    internal void Emit<T>(ListenerName<T> name, T item) where T : notnull
    {
        Listeners.Emit(name.Name, item);
        var observers = Volatile.Read(ref _observers);
        if (observers.Length == 0 && !Listeners.HasConsumers(ServerEvents.All.Name)) return;
        var any = new AnyEvent(name.Name, item);
        Listeners.Emit(ServerEvents.All.Name, any);
        foreach (var observer in observers) Observe(observer, any);
    }

    private Action<AnyEvent>[] _observers = [];

    /// <summary>
    /// Calls <paramref name="observer"/> for every server event, synchronously, on the thread that emits it: an event
    /// of a socket is observed before that socket's next packet is processed, so what the observer records is complete
    /// when any later request of the socket is handled (listener streams give no such guarantee: they run on their own).
    /// The observer must be quick and thread-safe; an exception it throws is logged and goes no further.
    /// Dispose the result to stop observing.
    /// </summary>
    public IDisposable ObserveEvents(Action<AnyEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_observersLock) _observers = [.. _observers, observer];
        return new Unobserve(this, observer);
    }

    private void Observe(Action<AnyEvent> observer, AnyEvent any)
    {
        try
        {
            observer(any);
        }
        catch (Exception error)
        {
            ServerLog.ObserverThrew(Logger, any.Name, error);
        }
    }

    private sealed class Unobserve(SocketClusterServer server, Action<AnyEvent> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (server._observersLock) server._observers = server._observers.Where(o => o != observer).ToArray();
        }
    }

    internal void AddPending(AGServerSocket socket)
    {
        if (_pendingClients.TryAdd(socket.Id, socket)) Interlocked.Increment(ref _pendingClientsCount);
    }

    internal void Promote(AGServerSocket socket)
    {
        if (_pendingClients.TryRemove(socket.Id, out _)) Interlocked.Decrement(ref _pendingClientsCount);
        if (_clients.TryAdd(socket.Id, socket)) Interlocked.Increment(ref _clientsCount);
    }

    private readonly object _trafficGate = new();
    private Traffic _closedTraffic;

    /// <summary>
    /// Traffic of every socket this node has had: the closed ones' totals plus the live ones' (read when the metrics
    /// are collected; a socket closing waits for the sum).
    /// </summary>
    internal Traffic Traffic()
    {
        lock (_trafficGate)
        {
            var total = _closedTraffic;
            foreach (var socket in _clients.Values) total += socket.Traffic();
            foreach (var socket in _pendingClients.Values) total += socket.Traffic();
            return total;
        }
    }

    internal void Remove(AGServerSocket socket)
    {
        Users.Move(socket, socket.UserId, null);
        // Its totals move to the closed ones' as it leaves the registries, atomically for Traffic(): the sum never drops.
        lock (_trafficGate)
        {
            _closedTraffic += socket.Traffic();
            if (_pendingClients.TryRemove(socket.Id, out _)) Interlocked.Decrement(ref _pendingClientsCount);
            if (_clients.TryRemove(socket.Id, out _)) Interlocked.Decrement(ref _clientsCount);
        }
    }

    private void MarkReady()
    {
        IsReady = true;
        _ready.TrySetResult();
        Emit(ServerEvents.Ready, Health());
    }
}
