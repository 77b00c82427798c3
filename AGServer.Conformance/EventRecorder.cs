using AGServer.Streams;
using AGServer.Sockets;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AGServer.Auth;
using AGServer.Server;

namespace AGServer.Conformance;

/// <summary>
/// Records the server events of each socket, in emission order, for the <c>events</c> procedure. Records of a closed
/// socket are kept for <see cref="Retention"/> so another socket can still ask for them.
/// </summary>
public sealed class EventRecorder
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Record> _bySocket = new();
    private readonly Timer _sweeper;
    private long _lastSweep;

    private EventRecorder() =>
        // Closed sockets' records go once retained long enough, also when no socket closes any more.
        _sweeper = new Timer(_ => Sweep(), null, SweepInterval, SweepInterval);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private sealed class Record
    {
        public readonly List<JsonObject> Events = new();
        public DateTime? ClosedAt;
    }

    public static EventRecorder Start(SocketClusterServer server)
    {
        var recorder = new EventRecorder();
        // Observed synchronously, so an events request sees every event emitted for its socket before it arrived.
        server.ObserveEvents(recorder.Add);
        return recorder;
    }

    /// <summary>The socket's events, oldest first.</summary>
    public JsonArray For(string socketId)
    {
        if (!_bySocket.TryGetValue(socketId, out var record)) return [];
        lock (record) return new JsonArray(record.Events.Select(e => (JsonNode)e.DeepClone()).ToArray());
    }

    private void Add(AnyEvent any)
    {
        var (socketId, entry) = Describe(any);
        if (socketId is null) return;
        var record = _bySocket.GetOrAdd(socketId, _ => new Record());
        lock (record)
        {
            record.Events.Add(entry);
            if (any.Name == ServerEvents.Closure.Name) record.ClosedAt = DateTime.UtcNow;
        }
        // At most one sweep a second: a sweep looks at every record, and a churn of closures must not pay that each time.
        if (any.Name == ServerEvents.Closure.Name && Environment.TickCount64 - Interlocked.Read(ref _lastSweep) > 1000) Sweep();
    }

    private void Sweep()
    {
        Interlocked.Exchange(ref _lastSweep, Environment.TickCount64);
        var cutoff = DateTime.UtcNow - Retention;
        foreach (var (id, record) in _bySocket)
            if (record.ClosedAt < cutoff) _bySocket.TryRemove(id, out _);
    }

    private static (string? SocketId, JsonObject Entry) Describe(AnyEvent any)
    {
        var entry = new JsonObject { ["event"] = any.Name };
        string? id = null;
        switch (any.Event)
        {
            case AGServerSocket handshaken:
                id = handshaken.Id;
                break;
            case ConnectEvent e:
                id = e.Socket.Id;
                entry["isAuthenticated"] = e.IsAuthenticated;
                break;
            case SubscriptionEvent e:
                id = e.Socket.Id;
                entry["channel"] = e.Channel;
                break;
            case AuthEvent e:
                id = e.Socket.Id;
                if (any.Name == ServerEvents.AuthenticationStateChange.Name)
                {
                    entry["oldAuthState"] = Name(e.OldAuthState);
                    entry["newAuthState"] = Name(e.NewAuthState);
                }
                break;
            case BadAuthTokenEvent e:
                id = e.Socket.Id;
                entry["authError"] = Error(e.AuthError);
                break;
            case CloseEvent e:
                id = e.Socket.Id;
                entry["code"] = e.Code;
                break;
        }
        return (id, entry);
    }

    private static string Name(AuthState state) => state == AuthState.Authenticated ? "authenticated" : "unauthenticated";

    private static JsonObject Error(Exception error) => new()
    {
        ["name"] = error switch
        {
            Protocol.AGError named => named.Name,
            TimeoutException => Protocol.AGErrorNames.TimeoutError,
            _ => error.GetType().Name,
        },
        ["message"] = error.Message,
    };
}
