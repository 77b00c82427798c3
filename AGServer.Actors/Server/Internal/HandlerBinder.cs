using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using AGServer.Protocol;
using AGServer.Sockets;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace AGServer.Server.Internal;

/// <summary>
/// A handler delegate given to <c>MapProcedure</c> / <c>MapReceiver</c>, minimal-API style: what each parameter binds
/// to is decided once, when the handler is mapped; a call then fills the arguments, invokes a compiled call, and awaits
/// the result whatever its shape (a value, <c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c>, <c>ValueTask&lt;T&gt;</c>).
/// </summary>
internal sealed class HandlerBinder
{
    private enum Source
    {
        Request,
        Message,
        Context,
        Socket,
        CancellationToken,
        RawData,
        Services,
        Service,
        Data,
    }

    private readonly string _name;
    private readonly Delegate _handler;
    private readonly (Source Source, Type Type)[] _parameters;
    private readonly Call _invoke;
    private readonly Func<object?, ValueTask<object?>> _awaitResult;
    private readonly Type? _resultType;
    private readonly JsonSerializerOptions _json;
    // Only a handler that takes the context, the call's services or a service gets a context made for its call.
    private readonly bool _needsContext;

    private HandlerBinder(string name, Delegate handler, (Source, Type)[] parameters, Call invoke, Func<object?, ValueTask<object?>> awaitResult, Type? resultType, JsonSerializerOptions json)
    {
        _name = name;
        _handler = handler;
        _parameters = parameters;
        _invoke = invoke;
        _awaitResult = awaitResult;
        _resultType = resultType;
        _json = json;
        _needsContext = parameters.Any(p => p.Item1 is Source.Context or Source.Services or Source.Service);
    }

    /// <summary>
    /// The same binding for another delegate of the same method (a lambda made again for each socket, with another
    /// closure): nothing is decided or compiled again.
    /// </summary>
    public HandlerBinder For(Delegate handler, string name)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (handler.GetType() != _handler.GetType() || handler.Method != _handler.Method)
            throw new ArgumentException("A binder is reused only for a delegate of the same type and method.", nameof(handler));
        return new HandlerBinder(name, handler, _parameters, _invoke, _awaitResult, _resultType, _json);
    }

    /// <summary>The data parameter's type, for messages about data that does not fit; null when the handler takes none.</summary>
    public Type? DataType => _parameters.FirstOrDefault(p => p.Source == Source.Data).Type;

    /// <summary>
    /// Decides the binding of every parameter of <paramref name="handler"/>: <see cref="AGRequest"/> (procedures),
    /// <see cref="ReceivedMessage"/> (receivers), <see cref="AGRequestContext"/>, <see cref="AGServerSocket"/>,
    /// <see cref="CancellationToken"/> (the socket's <c>ConnectionClosed</c>), <see cref="RawJson"/> (the data as it
    /// arrived), <see cref="IServiceProvider"/> (the call's scope), a registered service (or one marked
    /// <c>[FromServices]</c>) from the call's scope, and at most one other parameter: the data, deserialised.
    /// </summary>
    public static HandlerBinder For(Delegate handler, string name, bool procedure, IServiceProvider services, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var isService = services.GetService<IServiceProviderIsService>();
        var method = handler.Method;
        var parameters = method.GetParameters().Select(p => (Bind(p, procedure, isService), p.ParameterType)).ToArray();
        if (parameters.Count(p => p.Item1 == Source.Data) > 1)
            throw new ArgumentException(
                $"Handler of '{name}' has more than one parameter for the data ({string.Join(", ", method.GetParameters().Where((_, i) => parameters[i].Item1 == Source.Data).Select(p => p.Name))}): " +
                "the data binds to one parameter; the others must be AGRequest, ReceivedMessage, AGRequestContext, AGServerSocket, CancellationToken, RawJson, IServiceProvider or registered services.",
                nameof(handler));
        var (awaitResult, resultType) = ResultOf(method.ReturnType);
        return new HandlerBinder(name, handler, parameters, Compile(handler, parameters), awaitResult, resultType, json);
    }

    private static Source Bind(ParameterInfo parameter, bool procedure, IServiceProviderIsService? isService)
    {
        var type = parameter.ParameterType;
        if (type == typeof(AGRequest))
            return procedure ? Source.Request : throw new ArgumentException($"Parameter '{parameter.Name}': a receiver has no AGRequest (take ReceivedMessage or AGRequestContext).");
        if (type == typeof(ReceivedMessage))
            return !procedure ? Source.Message : throw new ArgumentException($"Parameter '{parameter.Name}': a procedure has no ReceivedMessage (take AGRequest or AGRequestContext).");
        if (type == typeof(AGRequestContext)) return Source.Context;
        if (type == typeof(AGServerSocket)) return Source.Socket;
        if (type == typeof(CancellationToken)) return Source.CancellationToken;
        if (type == typeof(RawJson)) return Source.RawData;
        if (type == typeof(IServiceProvider)) return Source.Services;
        if (parameter.GetCustomAttributes().OfType<IFromServiceMetadata>().Any() || isService?.IsService(type) == true) return Source.Service;
        return Source.Data;
    }

    /// <summary>A call of any delegate of the handler's type and method, given as the first argument, with what its parameters bind to.</summary>
    private delegate object? Call(Delegate handler, HandlerBinder binder, AGServerSocket socket, RawJson data, object item, AGRequestContext? context);

    /// <summary>
    /// Compiles the call once: each argument read straight from what it binds to (no argument array, no boxed data),
    /// in parameter order, so data that does not fit throws before the handler runs.
    /// </summary>
    private static Call Compile(Delegate handler, (Source Source, Type Type)[] parameters)
    {
        var target = Expression.Parameter(typeof(Delegate), "handler");
        var binder = Expression.Parameter(typeof(HandlerBinder), "binder");
        var socket = Expression.Parameter(typeof(AGServerSocket), "socket");
        var data = Expression.Parameter(typeof(RawJson), "data");
        var item = Expression.Parameter(typeof(object), "item");
        var context = Expression.Parameter(typeof(AGRequestContext), "context");
        var services = Expression.Property(context, nameof(AGRequestContext.Services));
        var arguments = parameters.Select(p => p.Source switch
        {
            Source.Request or Source.Message => Expression.Convert(item, p.Type),
            Source.Context => (Expression)context,
            Source.Socket => socket,
            Source.CancellationToken => Expression.Property(socket, nameof(AGServerSocket.ConnectionClosed)),
            Source.RawData => data,
            Source.Services => services,
            Source.Service => Expression.Convert(
                Expression.Call(typeof(ServiceProviderServiceExtensions), nameof(ServiceProviderServiceExtensions.GetRequiredService), null, services, Expression.Constant(p.Type)),
                p.Type),
            _ => Expression.Convert(Expression.Call(binder, nameof(ReadData), null, data, Expression.Constant(p.Type)), p.Type),
        });
        var call = Expression.Invoke(Expression.Convert(target, handler.GetType()), arguments);
        Expression body = handler.Method.ReturnType == typeof(void)
            ? Expression.Block(call, Expression.Constant(null, typeof(object)))
            : Expression.Convert(call, typeof(object));
        return Expression.Lambda<Call>(body, target, binder, socket, data, item, context).Compile();
    }

    /// <summary>How to await a return value of <paramref name="returnType"/>, and the type of the value it yields (null: none).</summary>
    private static (Func<object?, ValueTask<object?>>, Type?) ResultOf(Type returnType)
    {
        if (returnType == typeof(void)) return (_ => ValueTask.FromResult<object?>(null), null);
        if (returnType == typeof(Task)) return (async task => { await (Task)task!; return null; }, null);
        if (returnType == typeof(ValueTask)) return (async task => { await (ValueTask)task!; return null; }, null);
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Task<>) || definition == typeof(ValueTask<>)))
        {
            var valueType = returnType.GetGenericArguments()[0];
            var adapter = typeof(HandlerBinder)
                .GetMethod(definition == typeof(Task<>) ? nameof(AwaitTask) : nameof(AwaitValueTask), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(valueType)
                .CreateDelegate<Func<object?, ValueTask<object?>>>();
            return (adapter, valueType);
        }
        return (ValueTask.FromResult, returnType);
    }

    private static async ValueTask<object?> AwaitTask<T>(object? task) => await (Task<T>)task!;

    private static async ValueTask<object?> AwaitValueTask<T>(object? task) => await (ValueTask<T>)task!;

    /// <summary>
    /// Calls the handler for one request or message (<paramref name="item"/>: the <see cref="AGRequest"/> or
    /// <see cref="ReceivedMessage"/>) and awaits it: its result, or null when it returns none. Throws
    /// <see cref="HandlerDataException"/> before calling when the data does not fit the data parameter. The call's
    /// <see cref="AGRequestContext"/> (and with it a DI scope) is made only for a handler that takes it or services, and
    /// disposed when the call is over.
    /// </summary>
    public async ValueTask<object?> InvokeAsync(AGServerSocket socket, string name, RawJson data, AGRequest? request, object item, IServiceProvider services)
    {
        var context = _needsContext ? new AGRequestContext(socket, name, data, request, services) : null;
        try
        {
            return await _awaitResult(_invoke(_handler, this, socket, data, item, context)).ConfigureAwait(false);
        }
        finally
        {
            if (context is not null) await context.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A result as response data: raw JSON as is (no copy), an undefined <see cref="JsonElement"/> or absent raw JSON
    /// as no data, anything else serialised with the server's options.
    /// </summary>
    public RawJson ToResponse(object? result) => result switch
    {
        null => default,
        RawJson raw => raw,
        JsonElement { ValueKind: JsonValueKind.Undefined } => default,
        _ => new RawJson(JsonSerializer.SerializeToUtf8Bytes(result, _resultType is null || _resultType == typeof(object) ? result.GetType() : _resultType, _json)),
    };

    private object? ReadData(RawJson data, Type type)
    {
        if (data.IsAbsent)
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null
                ? throw new HandlerDataException($"{_name} needs data: a {type.Name}")
                : null;
        try
        {
            var value = JsonSerializer.Deserialize(data.Utf8.Span, type, _json);
            return value is null && type.IsValueType && Nullable.GetUnderlyingType(type) is null
                ? throw new HandlerDataException($"{_name} needs data: a {type.Name}, not null")
                : value;
        }
        catch (JsonException error)
        {
            throw new HandlerDataException($"{_name} data does not fit {type.Name}: {error.Message}");
        }
    }
}

/// <summary>The data of a call does not fit its handler's data parameter: the client's mistake, answered as such.</summary>
internal sealed class HandlerDataException(string message) : Exception(message);
