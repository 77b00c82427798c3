using Akka;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Streams;

namespace AGServer.Middleware;

/// <summary>
/// The server's middleware handlers, one per type at most. A handler is called with a fresh stream of actions:
/// once per socket for inboundRaw, inbound and outbound (when the socket opens), once per connection attempt for
/// handshake. A type without a handler costs nothing: no stream is made and actions are allowed at once.
/// </summary>
internal sealed class MiddlewareRegistry
{
    private readonly Dictionary<string, Action<Source<AGAction, NotUsed>>> _handlers = new();
    private volatile bool _handshake, _inboundRaw, _inbound, _outbound;

    public void Set(string type, Action<Source<AGAction, NotUsed>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlers)
        {
            if (!MiddlewareType.All.Contains(type)) throw new InvalidArgumentsError($"Middleware {type} type is not supported");
            if (_handlers.ContainsKey(type)) throw new InvalidActionError($"Middleware {type} type has already been set");
            _handlers[type] = handler;
            SetFlag(type, true);
        }
    }

    public void Remove(string type)
    {
        lock (_handlers)
        {
            _handlers.Remove(type);
            if (MiddlewareType.All.Contains(type)) SetFlag(type, false);
        }
    }

    public bool Has(string type) => type switch
    {
        MiddlewareType.Handshake => _handshake,
        MiddlewareType.InboundRaw => _inboundRaw,
        MiddlewareType.Inbound => _inbound,
        MiddlewareType.Outbound => _outbound,
        _ => false,
    };

    /// <summary>A new action stream handed to the type's handler, or null when the type has none.</summary>
    public EventStream<AGAction>? Open(string type)
    {
        Action<Source<AGAction, NotUsed>>? handler;
        lock (_handlers) handler = _handlers.GetValueOrDefault(type);
        if (handler is null) return null;
        var stream = new EventStream<AGAction>(type);
        handler(stream.Source);
        return stream;
    }

    private void SetFlag(string type, bool value)
    {
        switch (type)
        {
            case MiddlewareType.Handshake: _handshake = value; break;
            case MiddlewareType.InboundRaw: _inboundRaw = value; break;
            case MiddlewareType.Inbound: _inbound = value; break;
            case MiddlewareType.Outbound: _outbound = value; break;
        }
    }

    /// <summary>
    /// The error the client gets for a blocked action: the middleware's error, or a SilentMiddlewareBlockedError when
    /// there was none or it was marked silent. <paramref name="emitted"/> is what the server emits (with MiddlewareEmitFailures).
    /// </summary>
    public static Exception ClientError(string middlewareType, string actionType, Exception? error, out Exception emitted)
    {
        var silent = new SilentMiddlewareBlockedError($"The {actionType} AGAction was blocked by {middlewareType} middleware", middlewareType);
        if (error is null)
        {
            emitted = silent;
            return silent;
        }
        emitted = error;
        return error is AGError { Silent: true } ? silent : error;
    }
}
