using System.Text.Json;
using AGServer.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace AGServer.Sockets;

/// <summary>
/// What a handler mapped with <c>MapProcedure</c> or <c>MapReceiver</c> may want besides its data: the socket, the
/// raw data, the request itself, and the call's services (a DI scope made on first use and disposed after the call).
/// </summary>
public sealed class AGRequestContext : IAsyncDisposable
{
    private readonly IServiceProvider _rootServices;
    private AsyncServiceScope? _scope;

    internal AGRequestContext(AGServerSocket socket, string name, RawJson data, AGRequest? request, IServiceProvider rootServices)
    {
        Socket = socket;
        Name = name;
        Data = data;
        Request = request;
        _rootServices = rootServices;
    }

    public AGServerSocket Socket { get; }

    /// <summary>The procedure or receiver name.</summary>
    public string Name { get; }

    /// <summary>The data as it arrived.</summary>
    public RawJson Data { get; }

    /// <summary>The client's invoke, to answer yourself (for example with an error of your choosing); null in a receiver.</summary>
    public AGRequest? Request { get; }

    /// <summary>The socket's auth token payload, or null when it is not authenticated.</summary>
    public JsonElement? AuthToken => Socket.AuthToken;

    /// <summary>Cancelled when the socket closes.</summary>
    public CancellationToken ConnectionClosed => Socket.ConnectionClosed;

    /// <summary>The services of this call: one scope per call, as ASP.NET Core makes one per HTTP request.</summary>
    public IServiceProvider Services => (_scope ??= _rootServices.CreateAsyncScope()).ServiceProvider;

    public ValueTask DisposeAsync() => _scope?.DisposeAsync() ?? ValueTask.CompletedTask;
}
