using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Middleware;

/// <summary>
/// A server with all four middleware types set, each deferring to a decision the running test chooses
/// (null: allow). Decisions may settle later (a delayed decision) without holding up the stream.
/// </summary>
public sealed class MiddlewareFixture : IAsyncLifetime
{
    private readonly Dictionary<MiddlewareType, Func<AGAction, Task>?> _decisions = new();

    public TestServer Server { get; private set; } = null!;
    public JsClients Js { get; private set; } = null!;

    public void Decide(MiddlewareType type, Func<AGAction, Task>? decision)
    {
        lock (_decisions) _decisions[type] = decision;
    }

    public void Reset()
    {
        lock (_decisions) _decisions.Clear();
    }

    public async Task InitializeAsync()
    {
        Server = await TestServer.Start(null, withConformanceMiddleware: false);
        foreach (var type in Enum.GetValues<MiddlewareType>())
            Server.Server.SetMiddleware(type, actions => actions.RunForeach(action => Dispatch(type, action), Server.Server.Materializer));
        Js = await JsClients.Start(Server.Port);
    }

    private void Dispatch(MiddlewareType type, AGAction action)
    {
        Func<AGAction, Task>? decision;
        lock (_decisions) decision = _decisions.GetValueOrDefault(type);
        if (decision is null) action.Allow();
        else _ = decision(action);
    }

    public async Task DisposeAsync()
    {
        await Js.DisposeAsync();
        await Server.DisposeAsync();
    }
}
