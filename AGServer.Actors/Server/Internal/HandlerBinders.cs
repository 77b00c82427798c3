using System.Collections.Concurrent;
using System.Reflection;

namespace AGServer.Server.Internal;

/// <summary>
/// The server's handler bindings, one per handler type, method and kind. A per-socket handler is mapped again for
/// every socket (often a new closure each time); its parameters are decided and its call compiled once, not per socket.
/// Bounded by the handler methods the application has.
/// </summary>
internal sealed class HandlerBinders(IServiceProvider services, AGServerOptions options)
{
    private readonly ConcurrentDictionary<(Type Type, MethodInfo Method, bool Procedure), HandlerBinder> _bound = new();

    public HandlerBinder For(Delegate handler, string name, bool procedure)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var key = (handler.GetType(), handler.Method, procedure);
        if (_bound.TryGetValue(key, out var bound)) return bound.For(handler, name);
        bound = HandlerBinder.For(handler, name, procedure, services, options.JsonSerializerOptions);
        _bound.TryAdd(key, bound);
        return bound;
    }
}
