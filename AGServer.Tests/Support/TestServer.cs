using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using AGServer.Conformance;
using AGServer.Hosting;
using AGServer.Server;
using AGServer.Sockets;
using Akka.Hosting;
using Akka.Streams.Dsl;
using Xunit;

namespace AGServer.Tests.Support;

/// <summary>An in-process Conformance app on free ports (HTTP and cluster), for end-to-end tests.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app)
    {
        _app = app;
        Server = app.Services.GetRequiredService<SocketClusterServer>();
        Url = AGServerApp.WebSocketUrl(app);
        Port = new Uri(Url).Port;
    }

    public SocketClusterServer Server { get; }

    public Akka.Actor.ActorSystem System => Server.System;

    public string Url { get; }

    public int Port { get; }

    public static Task<TestServer> Start(Action<AGServerOptions>? configure = null, params string[] args) =>
        Start(configure, withConformanceMiddleware: true, args);

    /// <summary>Starts the Conformance app; without its middleware rules when a test sets its own middleware.</summary>
    public static Task<TestServer> Start(Action<AGServerOptions>? configure, bool withConformanceMiddleware, params string[] args) =>
        Start(configure, withConformanceMiddleware, null, args);

    /// <summary>Starts the Conformance app with <paramref name="extraHocon"/> over the node's Akka settings.</summary>
    public static async Task<TestServer> Start(Action<AGServerOptions>? configure, bool withConformanceMiddleware, string? extraHocon, params string[] args)
    {
        var builder = AGServerApp.CreateBuilder(["--port", "0", .. args], (akka, _) =>
        {
            if (extraHocon is not null) akka.AddHocon(extraHocon, HoconAddMode.Prepend);
        });
        builder.Services.Configure<AGServerOptions>(ConformanceApp.ConfigureChannels);
        if (configure is not null) builder.Services.Configure(configure);
        var app = builder.Build();
        AGServerApp.MapNode(app);
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        ConformanceApp.Install(server, withConformanceMiddleware);
        await app.StartAsync();
        await ConformanceApp.StartExchangeRules(server);
        return new TestServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One Conformance server and one Node.js client driver shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public JsClients Js { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.Start();
        Js = await JsClients.Start(Server.Port);
    }

    public async Task DisposeAsync()
    {
        await Js.DisposeAsync();
        await Server.DisposeAsync();
    }
}
