using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using AGServer.Hosting;
using AGServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AGServer.Tests.Hosting;

/// <summary>AddAGServer / MapAGServer in an ordinary ASP.NET Core application, and the node builder.</summary>
public sealed class HostingSpec
{
    [Fact]
    public async Task An_application_of_its_own_gets_a_node_on_the_port_it_was_given()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder(["--port", port.ToString()]);
        builder.Services.AddAGServer(options => options.AckTimeout = 4321);
        await using var app = builder.Build();
        app.MapAGServer();
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.Contains(addresses, a => new Uri(a.Replace("[::]", "localhost")).Port == port);
        await using var socket = await RawSocket.Connect($"ws://localhost:{port}/socketcluster/");
        Assert.NotNull(socket.Id);
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        Assert.Equal(4321, server.Options.AckTimeout);
        Assert.Same(app.Services.GetRequiredService<ActorSystem>(), server.System);
        await app.StopAsync();
    }

    [Fact]
    public async Task An_application_embedding_AGServer_keeps_its_own_endpoints_and_pipeline()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder(["--port", port.ToString()]);
        builder.Services.AddAGServer();
        await using var app = builder.Build();
        app.MapGet("/health", () => "the application's own");
        app.Map("/ws", (Microsoft.AspNetCore.Http.HttpContext context) => context.WebSockets.IsWebSocketRequest ? "upgradable" : "not upgradable");
        app.MapAGServer();
        await app.StartAsync();

        using var http = new HttpClient();
        Assert.Equal("the application's own", await http.GetStringAsync($"http://localhost:{port}/health"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"http://localhost:{port}/health/ready")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"http://localhost:{port}/agserver/web.css")).StatusCode);
        // No WebSocket middleware in front of the application's endpoints: an upgrade request on its path is plain HTTP to it.
        using var upgrade = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{port}/ws");
        foreach (var (name, value) in new[] { ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==") })
            upgrade.Headers.TryAddWithoutValidation(name, value);
        Assert.Equal("not upgradable", await (await http.SendAsync(upgrade)).Content.ReadAsStringAsync());
        await using var socket = await RawSocket.Connect($"ws://localhost:{port}/socketcluster/");
        Assert.NotNull(socket.Id);                                        // while the socket path serves SocketCluster
        await app.StopAsync();
    }

    [Fact]
    public async Task An_application_embedding_AGServer_keeps_Akkas_sharding_defaults_for_its_own_regions()
    {
        var builder = WebApplication.CreateBuilder(["--port", FreePort.Next().ToString()]);
        builder.Services.AddAGServer();
        await using var app = builder.Build();
        app.MapAGServer();
        await app.StartAsync();
        var system = app.Services.GetRequiredService<Akka.Actor.ActorSystem>();

        // What an application's own region gets: Akka's defaults, untouched by AGServer's channel regions' settings.
        var own = Akka.Cluster.Sharding.ClusterShardingSettings.Create(system);
        Assert.True(string.IsNullOrEmpty(own.Role));
        Assert.Equal(TimeSpan.FromSeconds(2), own.TuningParameters.RetryInterval);
        Assert.Equal(3, own.TuningParameters.CoordinatorStateWriteMajorityPlus);
        // AGServer's regions keep theirs.
        var channels = AGServer.Server.Internal.AGServerSharding.Settings(system);
        Assert.Equal("agserver", channels.Role);
        Assert.Equal(TimeSpan.FromSeconds(1), channels.TuningParameters.RetryInterval);
        Assert.Equal(0, channels.TuningParameters.CoordinatorStateWriteMajorityPlus);
        await app.StopAsync();
    }

    [Fact]
    public async Task Bad_options_stop_the_start_with_what_to_fix()
    {
        var builder = AGServerApp.CreateBuilder(["--port", "0", "--AGServer:PingInterval=30000", "--AGServer:AckTimeout=-1"]);
        await using var app = builder.Build();
        // MapAGServer reads the options (the WebSocket path), so they are validated there at the latest.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            app.MapAGServer();
            await app.StartAsync();
        });
        Assert.Contains(error.Failures, f => f.Contains("AckTimeout must be a positive number of milliseconds (got -1)"));
        Assert.Contains(error.Failures, f => f.Contains("PingInterval (30000) must be below PingTimeout"));
    }

    [Fact]
    public async Task The_application_registers_services_before_build_and_shares_the_actor_system()
    {
        var started = new TaskCompletionSource<ActorSystem>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = AGServerApp.CreateBuilder(["--port", "0"], (akka, _) =>
            akka.StartActors((system, _) => started.TrySetResult(system)));
        builder.Services.AddSingleton(new Greeting("hello"));
        await using var app = builder.Build();
        app.MapAGServer();
        await app.StartAsync();

        var server = app.Services.GetRequiredService<SocketClusterServer>();
        Assert.Equal("hello", server.Services.GetRequiredService<Greeting>().Text);
        Assert.Same(server.System, await started.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await app.StopAsync();
    }

    [Fact]
    public async Task The_exchange_can_be_used_before_the_node_has_started()
    {
        await using var app = AGServerApp.CreateBuilder(["--port", "0"]).Build();
        app.MapAGServer();
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        var early = server.Exchange.Subscribe("early");
        var received = early.Source.RunWith(Akka.Streams.Dsl.Sink.First<AGServer.Protocol.RawJson>(), server.Materializer);
        var publishedEarly = server.Exchange.InvokePublishAsync("elsewhere", "before start");

        await app.StartAsync();
        await publishedEarly.WaitAsync(TimeSpan.FromSeconds(20));
        await early.WhenSubscribed.WaitAsync(TimeSpan.FromSeconds(20));
        await server.Exchange.InvokePublishAsync("early", "after start");
        Assert.Equal("after start", (await received.WaitAsync(TimeSpan.FromSeconds(20))).AsString());
        await app.StopAsync();
    }

    [Fact]
    public async Task Akka_log_events_reach_the_applications_ILogger()
    {
        var capture = new CaptureLogs();
        var builder = AGServerApp.CreateBuilder(["--port", "0"]);
        builder.Logging.AddProvider(capture);
        await using var app = builder.Build();
        app.MapAGServer();
        await app.StartAsync();

        app.Services.GetRequiredService<ActorSystem>().Log.Warning("disk almost full on {0}", "node-1");
        await capture.WaitFor(e => e.Category.StartsWith("Akka") && e.Level == LogLevel.Warning && e.Text.Contains("disk almost full on node-1"));
        await app.StopAsync();
    }

    private sealed record Greeting(string Text);

    private sealed class CaptureLogs : ILoggerProvider
    {
        private readonly List<(string Category, LogLevel Level, string Text)> _entries = new();
        private readonly SemaphoreSlim _changed = new(0);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public async Task WaitFor(Func<(string Category, LogLevel Level, string Text), bool> match)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                lock (_entries)
                    if (_entries.Any(match)) return;
                await _changed.WaitAsync(deadline.Token);
            }
        }

        public void Dispose()
        {
        }

        private sealed class Logger(CaptureLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._entries) owner._entries.Add((category, logLevel, formatter(state, exception)));
                owner._changed.Release();
            }
        }
    }
}
