using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace AGServer.Client;

/// <summary>How an <see cref="AGClientSocket"/> connects and behaves (socketcluster-client's <c>create</c> options).</summary>
public sealed class AGClientOptions
{
    /// <summary>The server's WebSocket URL, path included (e.g. <c>ws://localhost:8000/socketcluster/</c>).</summary>
    public Uri? Uri { get; set; }

    /// <summary>The SocketCluster protocol version: 2 (pings are empty frames, the default) or 1 (<c>#1</c>/<c>#2</c>).</summary>
    public int ProtocolVersion { get; set; } = 2;

    /// <summary>
    /// How long an invoke, a subscribe or an <c>invokePublish</c> waits for its answer (socketcluster-client: 10 s); the
    /// socket checks its pending calls every 100 ms, so a call fails at most that much later.
    /// </summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the WebSocket connection and the handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Reconnect after a connection is lost (not after <see cref="AGClientSocket.DisconnectAsync"/>).</summary>
    public bool AutoReconnect { get; set; } = true;

    /// <summary>The reconnect back-off (socketcluster-client's <c>autoReconnectOptions</c>).</summary>
    public AutoReconnectOptions AutoReconnectOptions { get; set; } = new();

    /// <summary>
    /// Opens the connection to <see cref="Uri"/> (null: a <see cref="ClientWebSocket"/> with <see cref="Headers"/>),
    /// as SignalR's <c>WebSocketFactory</c>: for a proxy, custom TLS, or a server in the same process (AGServer.Testing
    /// connects its test clients to in-memory nodes with one). Called for every connect and reconnect.
    /// </summary>
    public Func<Uri, CancellationToken, ValueTask<WebSocket>>? WebSocketFactory { get; set; }

    /// <summary>Headers sent with the WebSocket upgrade request (by the default <see cref="ClientWebSocket"/>).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>();

    /// <summary>Where the signed auth token is kept between connections (in memory by default).</summary>
    public IAuthTokenStore AuthTokenStore { get; set; } = new MemoryAuthTokenStore();

    /// <summary>How data is written and read (camelCase, as JavaScript peers expect, by default).</summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Publications a channel holds for its reader. When a channel's buffer is full the client stops reading the
    /// connection until the reader takes one (TCP then holds the server back): a reader stalled for longer than the
    /// server's ping timeout loses the connection, and the client reconnects.
    /// </summary>
    public int ChannelBufferSize { get; set; } = 1000;

    /// <summary>How often continuous batching (<see cref="AGClientSocket.StartBatching"/>) sends its batch (50 ms).</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Batch what is sent for <see cref="BatchOnHandshakeDuration"/> after each handshake (resubscribes and first calls in one frame).</summary>
    public bool BatchOnHandshake { get; set; }

    /// <summary>How long <see cref="BatchOnHandshake"/> batches (100 ms).</summary>
    public TimeSpan BatchOnHandshakeDuration { get; set; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        var problems = new List<string>();
        if (Uri is null) problems.Add("Uri is required (e.g. ws://localhost:8000/socketcluster/).");
        else if (WebSocketFactory is null && Uri.Scheme is not ("ws" or "wss")) problems.Add($"Uri must be ws:// or wss:// (got {Uri}).");
        if (ProtocolVersion is not (1 or 2)) problems.Add($"ProtocolVersion must be 1 or 2 (got {ProtocolVersion}).");
        if (AckTimeout <= TimeSpan.Zero) problems.Add($"AckTimeout must be positive (got {AckTimeout}).");
        if (ConnectTimeout <= TimeSpan.Zero) problems.Add($"ConnectTimeout must be positive (got {ConnectTimeout}).");
        if (BatchInterval <= TimeSpan.Zero) problems.Add($"BatchInterval must be positive (got {BatchInterval}).");
        if (BatchOnHandshakeDuration < TimeSpan.Zero) problems.Add($"BatchOnHandshakeDuration must not be negative (got {BatchOnHandshakeDuration}).");
        if (ChannelBufferSize < 1) problems.Add($"ChannelBufferSize must be at least 1 (got {ChannelBufferSize}).");
        if (AuthTokenStore is null) problems.Add("AuthTokenStore is required.");
        if (JsonSerializerOptions is null) problems.Add("JsonSerializerOptions is required.");
        problems.AddRange(AutoReconnectOptions.Problems());
        if (problems.Count > 0) throw new ArgumentException("Invalid AGClientOptions: " + string.Join(" ", problems));
    }
}

/// <summary>
/// The reconnect back-off, as socketcluster-client's: the first delay is <see cref="InitialDelay"/> plus up to
/// <see cref="Randomness"/> (jitter), each next one <see cref="Multiplier"/> times longer, at most <see cref="MaxDelay"/>.
/// </summary>
public sealed class AutoReconnectOptions
{
    /// <summary>The first delay, before jitter (10 s).</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Up to this much is added at random to the first delay (10 s), so clients do not come back together.</summary>
    public TimeSpan Randomness { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Each failed attempt makes the next delay this many times longer (1.5).</summary>
    public double Multiplier { get; set; } = 1.5;

    /// <summary>The longest delay (60 s).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    internal IEnumerable<string> Problems()
    {
        if (InitialDelay < TimeSpan.Zero) yield return $"AutoReconnectOptions.InitialDelay must not be negative (got {InitialDelay}).";
        if (Randomness < TimeSpan.Zero) yield return $"AutoReconnectOptions.Randomness must not be negative (got {Randomness}).";
        if (Multiplier < 1) yield return $"AutoReconnectOptions.Multiplier must be at least 1 (got {Multiplier}).";
        if (MaxDelay < InitialDelay) yield return $"AutoReconnectOptions.MaxDelay must be at least InitialDelay (got {MaxDelay}).";
    }

    /// <summary>The delay before reconnect attempt <paramref name="attempt"/> (0 for the first).</summary>
    internal TimeSpan DelayFor(int attempt, Random random)
    {
        var ms = (InitialDelay.TotalMilliseconds + random.NextDouble() * Randomness.TotalMilliseconds) * Math.Pow(Multiplier, attempt);
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }
}
