using AGServer.Diagnostics;
using Akka;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Streams;
using AGServer.Streams.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AGServer.Middleware;

/// <summary>
/// What a middleware's filter (<c>SetMiddleware(type, ..., filter)</c>) sees of an action: its type, its channel /
/// procedure / receiver name, the request. The filter chooses which actions the middleware sees: actions it refuses
/// are allowed at once without entering the middleware's stream, and a socket whose actions are all refused never
/// opens that stream. Without a filter every action enters (socketcluster-server's behaviour). A filter must be fast
/// and thread-safe: it runs on the hot paths.
/// </summary>
public readonly record struct ActionInfo(ActionType Type, string? Name, Sockets.SocketRequest Request);

/// <summary>
/// The server's middleware handlers, one per type at most. A handler is called with a fresh stream of actions:
/// once per socket for inboundRaw, inbound and outbound (when the socket opens), once per connection attempt for
/// handshake; each stream is opened when its first action arrives. A type without a handler costs nothing: no stream
/// is made and actions are allowed at once.
/// </summary>
internal sealed class MiddlewareRegistry(IConsumerFailures? failures = null, ILogger? logger = null, int timeoutMs = Server.AGServerOptions.DefaultAckTimeout, int limit = int.MaxValue)
{
    private const string ConsumerEnded = "its consumer has ended";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    private sealed record Registration(Action<Source<AGAction, NotUsed>> Handler, Func<ActionInfo, bool>? Filter);

    private readonly object _gate = new();
    private volatile Registration? _handshake, _inboundRaw, _inbound, _outbound;

    public void Set(MiddlewareType type, Action<Source<AGAction, NotUsed>> handler, Func<ActionInfo, bool>? filter)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            if (!Enum.IsDefined(type)) throw new ArgumentOutOfRangeException(nameof(type), type, $"Middleware {type} type is not supported");
            if (Get(type) is not null) throw new InvalidOperationException($"Middleware {type} type has already been set; remove it first");
            Put(type, new Registration(handler, filter));
        }
    }

    public void Remove(MiddlewareType type)
    {
        lock (_gate)
        {
            Put(type, null);
        }
    }

    public bool Has(MiddlewareType type) => Get(type) is not null;

    /// <summary>True when the type has a handler whose filter takes this action: only then is an action made and streamed.</summary>
    public bool Wants(MiddlewareType type, in ActionInfo action) =>
        Get(type) is { } registration && (registration.Filter is null || registration.Filter(action));

    /// <summary>A new action stream handed to the type's handler, or null when the type has none.</summary>
    public EventStream<AGAction>? Open(MiddlewareType type)
    {
        if (Get(type) is not { } registration) return null;
        var stream = new EventStream<AGAction>(type.ToSocketClusterName(), failures, null, limit: limit);
        registration.Handler(stream.Source);
        return stream;
    }

    /// <summary>
    /// The one place an action meets a middleware stream, failing closed. A stream whose consumer never attached allows
    /// at once (a handler that consumes nothing); one whose consumer failed, completed or was killed blocks; otherwise
    /// the action goes into the stream, and one not settled within the timeout is blocked. Blocks here are logged.
    /// </summary>
    public Task<ActionOutcome> Decide(MiddlewareType type, EventStream<AGAction> stream, AGAction action)
    {
        if (!stream.HasConsumers && !stream.HadConsumer) return Task.FromResult(ActionOutcome.Unchanged);
        if (!stream.Emit(action))
        {
            // Its consumers ended (before the look, or since): fail closed at once.
            action.TrySettle("blocked", ActionOutcome.Blocked(ClientErrors.MiddlewareFailed(type, ConsumerEnded)));
            ServerLog.MiddlewareFailedClosed(_logger, type, action.Type, action.Socket?.Id, ConsumerEnded);
            return action.Settled;
        }
        var settled = action.Settled;
        return settled.IsCompleted ? settled : WaitOrBlock(type, action);
    }

    private async Task<ActionOutcome> WaitOrBlock(MiddlewareType type, AGAction action)
    {
        try
        {
            return await action.Settled.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var why = $"not settled within {timeoutMs} ms";
            if (action.TrySettle("blocked", ActionOutcome.Blocked(ClientErrors.MiddlewareFailed(type, why))))
                ServerLog.MiddlewareFailedClosed(_logger, type, action.Type, action.Socket?.Id, why);
            return await action.Settled.ConfigureAwait(false);
        }
    }

    private Registration? Get(MiddlewareType type) => type switch
    {
        MiddlewareType.Handshake => _handshake,
        MiddlewareType.InboundRaw => _inboundRaw,
        MiddlewareType.Inbound => _inbound,
        MiddlewareType.Outbound => _outbound,
        _ => null,
    };

    private void Put(MiddlewareType type, Registration? registration)
    {
        switch (type)
        {
            case MiddlewareType.Handshake: _handshake = registration; break;
            case MiddlewareType.InboundRaw: _inboundRaw = registration; break;
            case MiddlewareType.Inbound: _inbound = registration; break;
            case MiddlewareType.Outbound: _outbound = registration; break;
        }
    }

    /// <summary>
    /// The error the client gets for a blocked action: the middleware's error, or a SilentMiddlewareBlockedError when
    /// there was none or it was marked silent. <paramref name="emitted"/> is what the server emits (with MiddlewareEmitFailures).
    /// </summary>
    public static Exception ClientError(MiddlewareType middlewareType, ActionType actionType, Exception? error, out Exception emitted)
    {
        var name = middlewareType.ToSocketClusterName();
        var silent = new SilentMiddlewareBlockedError($"The {actionType.ToSocketClusterName()} AGAction was blocked by {name} middleware", name);
        if (error is null)
        {
            emitted = silent;
            return silent;
        }
        emitted = error;
        return error is AGError { Silent: true } ? silent : error;
    }
}
