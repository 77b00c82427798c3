using AGServer.Protocol;

namespace AGServer.Server;

/// <summary>What a socket's streams do after its <c>end</c> event.</summary>
public enum SocketStreamCleanupMode
{
    /// <summary>Kill every listener, receiver and procedure stream: consumers end at once.</summary>
    Kill,
    /// <summary>Close them: consumers end after their backlog.</summary>
    Close,
    /// <summary>
    /// Leave them for the application to end. A closed socket never emits again, so a stream still open
    /// <see cref="AGServerOptions.AckTimeout"/> ms after its socket ended is closed then: an open stream would keep its
    /// consumer (an actor) alive forever.
    /// </summary>
    None,
}

/// <summary>
/// Every socketcluster-server option, PascalCase, with socketcluster-server's defaults. Bound from the
/// configuration section <c>AGServer</c> (appsettings.json, <c>AGServer__X</c>, <c>--AGServer:X=...</c>);
/// <see cref="Validate"/> runs at start. Values are read once per connection, never per message.
/// </summary>
public sealed class AGServerOptions
{
    public const string SectionName = "AGServer";

    public const int DefaultAckTimeout = 10000;
    public const int DefaultHandshakeTimeout = 10000;
    public const int DefaultPingInterval = 8000;
    public const int DefaultPingTimeout = 20000;
    public const int DefaultSocketChannelLimit = 1000;
    public const string DefaultPath = "/socketcluster/";
    public const string DefaultOrigins = "*:*";
    public const int DefaultProtocolVersion = 2;
    public const int DefaultAuthDefaultExpiry = 86400;
    public const int DefaultBatchInterval = 50;
    public const int DefaultBatchOnHandshakeDuration = 400;
    public const int DefaultOutboundQueueLimit = 10000;
    public const int DefaultUnclaimedPacketLimit = 100;
    public const int DefaultHandlerSetupTime = 1000;
    public const long DefaultNodeInboundLimit = 512L * 1024 * 1024;
    public const long DefaultNodeOutboundLimit = 512L * 1024 * 1024;
    public const int DefaultMaxConnectionsPerAddress = 1000;
    public const long DefaultOutboundQueueBytes = 16L * 1024 * 1024;
    public const int DefaultInboundWindow = 128 * 1024;
    public const int DefaultInboundItemLimit = 100;
    public const int DefaultMaxPayload = 100 * 1024 * 1024;
    public const int DefaultStreamBufferLimit = 10000;

    /// <summary>Milliseconds a server-to-client invoke waits for its response (TimeoutError after).</summary>
    public int AckTimeout { get; set; } = DefaultAckTimeout;
    /// <summary>Milliseconds a new socket has to send <c>#handshake</c> (closed with 4005 after).</summary>
    public int HandshakeTimeout { get; set; } = DefaultHandshakeTimeout;
    /// <summary>Any message but <c>#handshake</c> before the handshake closes the socket with 4009.</summary>
    public bool StrictHandshake { get; set; } = true;
    /// <summary>Milliseconds between server pings (sent to each socket once per interval, from the handshake on).</summary>
    public int PingInterval { get; set; } = DefaultPingInterval;
    /// <summary>
    /// Milliseconds without hearing from the client (a pong or any other frame) before the socket is closed with 4001,
    /// noticed within one more <see cref="PingInterval"/>; sent to the client in the handshake.
    /// </summary>
    public int PingTimeout { get; set; } = DefaultPingTimeout;
    /// <summary>Turns pings and the pong timeout off.</summary>
    public bool PingTimeoutDisabled { get; set; }
    /// <summary>Allowed origins: <c>*:*</c>, or a space- or comma-separated list of <c>host:port</c>, <c>host:*</c>, <c>*:port</c>.</summary>
    public string Origins { get; set; } = DefaultOrigins;
    /// <summary>The WebSocket path.</summary>
    public string Path { get; set; } = DefaultPath;
    /// <summary>1: pings are <c>#1</c> and pongs <c>#2</c>; 2: both are empty frames.</summary>
    public int ProtocolVersion { get; set; } = DefaultProtocolVersion;
    /// <summary>
    /// Largest inbound message in bytes; a bigger one closes the socket with 1009. 100 MiB by default, as
    /// socketcluster-server (its ws library) has it; null (set in code) means no limit.
    /// </summary>
    public int? MaxPayload { get; set; } = DefaultMaxPayload;
    /// <summary>Negotiate WebSocket per-message compression with clients that offer it.</summary>
    public bool PerMessageDeflate { get; set; }
    /// <summary>
    /// Answer WebSocket upgrades of <see cref="Path"/> on Kestrel's connection, before ASP.NET Core's HTTP pipeline, and
    /// run each WebSocket straight on the connection's pipes: about 8 KB less per connection (no HTTP/1.1 connection
    /// or <c>HttpContext</c> kept for its lifetime) and less CPU per frame. The upgrade request then meets none of the
    /// application's HTTP middleware and endpoint conventions (authorization, CORS, <c>RequireHost</c>: adding one to
    /// <c>MapAGServer</c> throws at once), Kestrel's limit on upgraded connections does not count these ones, and
    /// requests that are not a plain upgrade of the path (other paths, HTTP/2, TLS that Kestrel terminates after this
    /// middleware, compression offers while <see cref="PerMessageDeflate"/> is on) go through Kestrel as usual. Applied
    /// through Kestrel's endpoint defaults: an application that sets its own <c>ConfigureEndpointDefaults</c> replaces
    /// it, and its upgrades then go through Kestrel. Off by default; on in <c>AGServerApp</c>'s node.
    /// </summary>
    public bool LeanUpgrade { get; set; }
    /// <summary>Most channels one socket may subscribe to; 0 means no limit.</summary>
    public int SocketChannelLimit { get; set; } = DefaultSocketChannelLimit;
    /// <summary>When false, client <c>#publish</c> fails with 'Client publish feature is disabled'.</summary>
    public bool AllowClientPublish { get; set; } = true;
    /// <summary>Emit middleware block errors on the socket (or as a server warning when there is none).</summary>
    public bool MiddlewareEmitFailures { get; set; } = true;
    /// <summary>What happens to a socket's streams after its <c>end</c> event.</summary>
    public SocketStreamCleanupMode SocketStreamCleanupMode { get; set; } = SocketStreamCleanupMode.Kill;
    /// <summary>Batch outbound packets for <see cref="BatchOnHandshakeDuration"/> ms after the handshake.</summary>
    public bool BatchOnHandshake { get; set; }
    public int BatchOnHandshakeDuration { get; set; } = DefaultBatchOnHandshakeDuration;
    /// <summary>Milliseconds between batch flushes while batching.</summary>
    public int BatchInterval { get; set; } = DefaultBatchInterval;
    /// <summary>Kept for parity: data handed to the server is never shared with the application, so cloning changes nothing.</summary>
    public bool CloneData { get; set; }

    /// <summary>HMAC key for HS* tokens; a random 256-bit key when unset.</summary>
    public string? AuthKey { get; set; }
    /// <summary>PEM private key for RS*/ES*/PS* tokens (requires <see cref="AuthPublicKey"/>).</summary>
    public string? AuthPrivateKey { get; set; }
    /// <summary>PEM public key for RS*/ES*/PS* tokens (requires <see cref="AuthPrivateKey"/>).</summary>
    public string? AuthPublicKey { get; set; }
    /// <summary>Signing algorithm; HS256 by default, RS256 by default with a key pair.</summary>
    public string? AuthAlgorithm { get; set; }
    /// <summary>Algorithms accepted when verifying; by default only <see cref="AuthAlgorithm"/>.</summary>
    public string[]? AuthVerifyAlgorithms { get; set; }
    /// <summary>Seconds a signed token stays valid unless the payload or <c>expiresIn</c> says otherwise.</summary>
    public int AuthDefaultExpiry { get; set; } = DefaultAuthDefaultExpiry;

    /// <summary>
    /// Most frames queued for one client. A client that stops reading and reaches it is disconnected with
    /// <see cref="CloseCodes.OutboundQueueOverflow"/>, so one slow reader cannot grow the server's memory.
    /// </summary>
    public int OutboundQueueLimit { get; set; } = DefaultOutboundQueueLimit;

    /// <summary>
    /// Bytes of frames that may wait for a client that does not read (default 16 MiB; one frame is always taken, however
    /// big): beyond it the socket is disconnected with 4100, as beyond <see cref="OutboundQueueLimit"/> frames.
    /// </summary>
    public long OutboundQueueBytes { get; set; } = DefaultOutboundQueueBytes;

    /// <summary>
    /// When application code throws something other than an <see cref="AGError"/> while handling a request, the client
    /// gets a ServerError. Its message is generic unless this is true, when it carries the exception's type and message
    /// (for development: those can reveal internals). An <see cref="AGError"/> always goes out with its name and message.
    /// </summary>
    public bool ExposeExceptionMessages { get; set; }

    /// <summary>
    /// When the node goes quiet after a load while holding much more memory than it uses, run one aggressive
    /// collection to give that memory back to the OS (a short pause, at most once per load). The GC is the process's:
    /// off by default in the library, so an application embedding AGServer keeps its own GC behaviour; on in
    /// AGServer.Node's <c>AGServerApp</c> node (the Host), where AGServer is the process.
    /// </summary>
    public bool TrimMemoryAfterLoad { get; set; }

    /// <summary>
    /// The auth token claim that names a socket's user (<c>socket.UserId</c>, <c>server.Users</c>), a string or a
    /// number: <c>sub</c> by default. A socket without a token, or whose token lacks it, has no user.
    /// </summary>
    public string UserIdClaim { get; set; } = "sub";

    /// <summary>
    /// History, presence and recovery per channel-name pattern (an exact name, or a prefix ending in <c>*</c>; the longest
    /// match wins), e.g. <c>Channels["room/*"] = new() { HistorySize = 100, Presence = true, Recovery = true }</c>.
    /// Every node of a cluster must have the same patterns.
    /// </summary>
    public Dictionary<string, Channels.ChannelFeatures> Channels { get; set; } = new();

    /// <summary>
    /// Most open connections from one client address (default 1000; 0: no limit). Beyond it an upgrade is refused
    /// with HTTP 429. Behind a proxy every client has the proxy's address: raise it, or limit at the proxy.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = DefaultMaxConnectionsPerAddress;

    /// <summary>
    /// New connections the node accepts per second, all clients together (default 1000 a second, bursts of 2000);
    /// beyond it an upgrade is refused with HTTP 429 (the client reconnects with its backoff). PerSecond 0: no limit.
    /// </summary>
    public RateLimit HandshakeRateLimit { get; set; } = new() { PerSecond = 1000, Burst = 2000 };

    /// <summary>
    /// Most sockets one user may have across the cluster (default 0: no limit). When a socket becomes a user's (it
    /// authenticates) and the user has more, <see cref="MaxSocketsPerUserPolicy"/> decides which go.
    /// </summary>
    public int MaxSocketsPerUser { get; set; }

    /// <summary>
    /// Over <see cref="MaxSocketsPerUser"/>: <see cref="UserSocketLimitPolicy.CloseOldest"/> (default; with a limit of 1,
    /// a single session) disconnects the user's oldest sockets, on any node, with 4104;
    /// <see cref="UserSocketLimitPolicy.RefuseNewest"/> disconnects the new socket with 4105.
    /// </summary>
    public UserSocketLimitPolicy MaxSocketsPerUserPolicy { get; set; }

    /// <summary>Rate limits per socket, by action and name pattern (none by default); see <see cref="Server.RateLimits"/>.</summary>
    public RateLimits RateLimits { get; set; } = new();

    /// <summary>
    /// The admin dashboard (<c>/agserver/dashboard/</c>, served by <c>MapAGServerWebUi()</c>), for a page that logs in
    /// with <see cref="DashboardSecret"/>. Off by default.
    /// </summary>
    public bool DashboardEnabled { get; set; }

    /// <summary>What the dashboard page must give to log in (16 characters at least); required when the dashboard is on.</summary>
    public string? DashboardSecret { get; set; }

    /// <summary>The demo chat (<c>/agserver/demo/</c>, served by <c>MapAGServerWebUi()</c>). Off by default.</summary>
    public bool DemoEnabled { get; set; }

    /// <summary>
    /// Milliseconds a middleware has to settle an action before it is blocked with a MiddlewareFailedError (fail closed);
    /// unset means <see cref="AckTimeout"/>.
    /// </summary>
    public int? MiddlewareTimeout { get; set; }

    /// <summary>
    /// Milliseconds a subscribe may wait for the cluster to confirm it before it fails with a BrokerError; unset means
    /// <see cref="AckTimeout"/>.
    /// </summary>
    public int? SubscribeTimeout { get; set; }

    /// <summary>
    /// An invoke or transmit whose procedure or receiver has no consumer yet is held, in order, until one attaches
    /// (an application setting up per-socket procedures in its connection listener loses nothing), for at most this
    /// many milliseconds (unset means <see cref="AckTimeout"/>, when the client's invoke times out anyway); then it is
    /// dropped, as socketcluster-server drops packets nobody consumes.
    /// </summary>
    public int? UnclaimedPacketHold { get; set; }

    /// <summary>
    /// Milliseconds after its handshake during which a socket's invokes of a procedure that nothing on this node has
    /// ever served (no server-wide handler or stream, never set up on any socket) are held for a per-socket setup, as
    /// the application's connection listener may be about to make one (default 1000). Past it such an invoke is
    /// answered at once with an <c>UnknownProcedureError</c> rather than left to the client's ack timeout. Names that
    /// are served per socket keep the full <see cref="UnclaimedPacketHold"/>.
    /// </summary>
    public int HandlerSetupTime { get; set; } = DefaultHandlerSetupTime;

    /// <summary>Most packets one socket may have held waiting for a consumer; beyond it the oldest is dropped.</summary>
    public int UnclaimedPacketLimit { get; set; } = DefaultUnclaimedPacketLimit;

    /// <summary>
    /// Bytes one socket may hold of what its client sent: frames read and not yet processed, and requests and transmits
    /// handed to application streams that no consumer took yet (see <see cref="InboundItemLimit"/>). When its consumers
    /// are behind, or it waits on middleware or a subscribe, this window fills and the server stops reading from that
    /// connection: the client's send buffer fills instead of the server's memory. Reading resumes once half the window
    /// is free. Other sockets are not slowed.
    /// </summary>
    public int InboundWindow { get; set; } = DefaultInboundWindow;

    /// <summary>
    /// Bytes of inbound data the node holds across all its sockets (messages being read, frames read and not yet
    /// processed, requests and transmits no consumer took yet; default 512 MiB). At the limit every socket stops reading after its current frame until the node
    /// holds three quarters of it; a message that cannot be read within it closes its socket with 4101 (try again later).
    /// </summary>
    public long NodeInboundLimit { get; set; } = DefaultNodeInboundLimit;

    /// <summary>
    /// Bytes of outbound data waiting across all the node's socket outboxes (default 512 MiB). At the limit, sockets that
    /// publish stop processing before their next publish (their reading pauses) until the node holds three quarters of
    /// it: a flood's cost lands on its publishers, while responses, pings and other traffic still go out.
    /// </summary>
    public long NodeOutboundLimit { get; set; } = DefaultNodeOutboundLimit;

    /// <summary>
    /// Most requests and transmits of one socket handed to application streams and not yet taken by their consumer.
    /// Each holds its bytes, and at least <see cref="InboundWindow"/> / this, of the socket's inbound window, which
    /// also holds its unprocessed frames: at the window the socket stops reading until half of it is free, so a slow
    /// procedure slows only the sockets calling it.
    /// </summary>
    public int InboundItemLimit { get; set; } = DefaultInboundItemLimit;

    /// <summary>
    /// Most items one consumer of a stream (listener, receiver, procedure, middleware, channel) may have waiting. At the
    /// limit new items are refused: a request is answered with a BufferOverflowError, a middleware action is blocked
    /// with it, an event or channel message is dropped for that consumer; logged once until the consumer catches up.
    /// Sockets are slowed long before (see <see cref="InboundItemLimit"/>), so this bounds the rest.
    /// </summary>
    public int StreamBufferLimit { get; set; } = DefaultStreamBufferLimit;

    internal int MiddlewareTimeoutMs => MiddlewareTimeout ?? AckTimeout;
    internal int SubscribeTimeoutMs => SubscribeTimeout ?? AckTimeout;
    internal int UnclaimedPacketHoldMs => UnclaimedPacketHold ?? AckTimeout;

    /// <summary>The auth engine; by default the built-in JWT engine on these options (its keys and algorithms; wrap <c>server.AuthEngine</c> to extend it). Set in code, not configuration.</summary>
    public Auth.IAuthEngine? AuthEngine { get; set; }

    /// <summary>
    /// The one JSON configuration of everything the server reads and writes for the application: handlers' data and
    /// results (<c>MapProcedure</c>, <c>MapReceiver</c>, <c>InvokeAsync&lt;T&gt;</c>), what it transmits, invokes and
    /// publishes, data middleware replaces, token payloads, and socket commands sent to another node.
    /// <see cref="AGJson.Options"/> by default (camelCase, case-insensitive). Set options with a source-generated
    /// <c>TypeInfoResolver</c> for trimmed or AOT applications. Set in code, not configuration.
    /// </summary>
    public System.Text.Json.JsonSerializerOptions JsonSerializerOptions { get; set; } = AGJson.Options;

    /// <summary>The codec for frames (tests only); a <see cref="JsonCodec"/> on <see cref="JsonSerializerOptions"/> by default.</summary>
    internal ISocketCodec? Codec { get; set; }

    /// <summary>Throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> listing every invalid option and how to fix it.</summary>
    public void Validate()
    {
        if (Problems() is { Count: > 0 } problems) throw Invalid(problems);
    }

    /// <summary>The exception for invalid options: the Options pattern's own, one failure per problem.</summary>
    internal static Microsoft.Extensions.Options.OptionsValidationException Invalid(IEnumerable<string> problems) =>
        new(nameof(AGServerOptions), typeof(AGServerOptions), problems);

    /// <summary>Every invalid option, each with how to fix it; empty when the options are valid.</summary>
    internal IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Positive(string name, int value)
        {
            if (value <= 0) problems.Add($"{name} must be a positive number of milliseconds (got {value}).");
        }

        Positive(nameof(AckTimeout), AckTimeout);
        Positive(nameof(HandshakeTimeout), HandshakeTimeout);
        Positive(nameof(PingInterval), PingInterval);
        Positive(nameof(PingTimeout), PingTimeout);
        Positive(nameof(BatchInterval), BatchInterval);
        Positive(nameof(BatchOnHandshakeDuration), BatchOnHandshakeDuration);
        if (!PingTimeoutDisabled && PingInterval >= PingTimeout)
            problems.Add($"PingInterval ({PingInterval}) must be below PingTimeout ({PingTimeout}), or clients time out between pings.");
        if (ProtocolVersion is not (1 or 2))
            problems.Add($"ProtocolVersion must be 1 or 2 (got {ProtocolVersion}).");
        if (string.IsNullOrWhiteSpace(Path) || !Path.StartsWith('/'))
            problems.Add($"Path must start with '/' (got '{Path}').");
        if (MaxPayload is <= 0)
            problems.Add($"MaxPayload must be a positive number of bytes, or unset for no limit (got {MaxPayload}).");
        if (SocketChannelLimit < 0)
            problems.Add($"SocketChannelLimit must be 0 (no limit) or more (got {SocketChannelLimit}).");
        if (AuthDefaultExpiry <= 0)
            problems.Add($"AuthDefaultExpiry must be a positive number of seconds (got {AuthDefaultExpiry}).");
        if (MiddlewareTimeout is { } middlewareTimeout) Positive(nameof(MiddlewareTimeout), middlewareTimeout);
        if (SubscribeTimeout is { } subscribeTimeout) Positive(nameof(SubscribeTimeout), subscribeTimeout);
        if (UnclaimedPacketHold is < 0)
            problems.Add($"UnclaimedPacketHold must be 0 (do not hold) or a positive number of milliseconds (got {UnclaimedPacketHold}).");
        if (HandlerSetupTime < 0)
            problems.Add($"HandlerSetupTime must be 0 (answer unknown procedures at once) or a positive number of milliseconds (got {HandlerSetupTime}).");
        if (UnclaimedPacketLimit < 0)
            problems.Add($"UnclaimedPacketLimit must be 0 (do not hold) or more (got {UnclaimedPacketLimit}).");
        if (StreamBufferLimit <= 0)
            problems.Add($"StreamBufferLimit must be a positive number of items (got {StreamBufferLimit}).");
        if (InboundWindow <= 0)
            problems.Add($"InboundWindow must be a positive number of bytes (got {InboundWindow}).");
        if (NodeOutboundLimit <= 0)
            problems.Add($"NodeOutboundLimit must be a positive number of bytes (got {NodeOutboundLimit}).");
        if (NodeInboundLimit < InboundWindow)
            problems.Add($"NodeInboundLimit must be at least InboundWindow ({InboundWindow} bytes; got {NodeInboundLimit}).");
        if (InboundItemLimit < 2)
            problems.Add($"InboundItemLimit must be 2 or more (got {InboundItemLimit}).");
        else if (InboundWindow > 0 && InboundItemLimit > InboundWindow)
            problems.Add($"InboundItemLimit must be at most InboundWindow ({InboundWindow}; got {InboundItemLimit}): each item holds at least InboundWindow / InboundItemLimit bytes of the window.");
        if (OutboundQueueBytes <= 0)
            problems.Add($"OutboundQueueBytes must be a positive number of bytes (got {OutboundQueueBytes}).");
        if (OutboundQueueLimit <= 0)
            problems.Add($"OutboundQueueLimit must be a positive number of frames (got {OutboundQueueLimit}).");
        if (string.IsNullOrWhiteSpace(Origins))
            problems.Add("Origins must be '*:*' or a list of host:port entries.");
        else if (OriginPolicy.Parse(Origins).Invalid is { Count: > 0 } invalid)
            problems.Add($"Origins entries must look like host:port, host:* or *:port (bad: {string.Join(", ", invalid)}).");
        if (AuthPrivateKey is not null && AuthPublicKey is null)
            problems.Add("AuthPublicKey must be set when AuthPrivateKey is set.");
        if (AuthPublicKey is not null && AuthPrivateKey is null)
            problems.Add("AuthPrivateKey must be set when AuthPublicKey is set.");
        if (JsonSerializerOptions is null) problems.Add("JsonSerializerOptions must not be null.");
        if (string.IsNullOrWhiteSpace(UserIdClaim)) problems.Add("UserIdClaim must name a token claim (for example sub).");
        if (DashboardEnabled && (DashboardSecret is null || DashboardSecret.Length < 16))
            problems.Add("DashboardSecret must be set to 16 characters or more when DashboardEnabled is true (the dashboard page logs in with it).");
        if (Channels is null) problems.Add("Channels must not be null (leave it empty for plain channels).");
        else problems.AddRange(global::AGServer.Channels.Internal.ChannelFeatureMap.Problems(Channels));
        if (!Enum.IsDefined(MaxSocketsPerUserPolicy))
            problems.Add($"MaxSocketsPerUserPolicy must be CloseOldest or RefuseNewest (got {MaxSocketsPerUserPolicy}).");
        if (MaxSocketsPerUser < 0)
            problems.Add($"MaxSocketsPerUser must be 0 (no limit) or more (got {MaxSocketsPerUser}).");
        if (MaxConnectionsPerAddress < 0)
            problems.Add($"MaxConnectionsPerAddress must be 0 (no limit) or more (got {MaxConnectionsPerAddress}).");
        if (HandshakeRateLimit is null || HandshakeRateLimit.PerSecond < 0 || HandshakeRateLimit.Burst < 0)
            problems.Add("HandshakeRateLimit must have PerSecond 0 (no limit) or more, and Burst 0 (same as PerSecond) or more.");
        if (RateLimits is null) problems.Add("RateLimits must not be null (leave it empty for no limits).");
        else problems.AddRange(RateLimits.Problems());
        return problems;
    }
}

/// <summary>Which of a user's sockets go when the user has more than <see cref="AGServerOptions.MaxSocketsPerUser"/>.</summary>
public enum UserSocketLimitPolicy
{
    /// <summary>The oldest go (4104): the newest sessions stay.</summary>
    CloseOldest,

    /// <summary>The newest go (4105): a user at the limit cannot add a socket until one of theirs closes.</summary>
    RefuseNewest,
}
