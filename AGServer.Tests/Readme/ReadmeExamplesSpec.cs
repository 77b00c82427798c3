using System.Text.RegularExpressions;
using AGServer.Auth;
using AGServer.Channels;
using AGClientOptions = AGServer.Client.AGClientOptions;
using AGClientSocket = AGServer.Client.AGClientSocket;
using AGServer.Hosting;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Tests.Support;
using Akka.Streams.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AGServer.Tests.Readme;

/// <summary>
/// The README's examples, compiled here, and checked to be the README's text: a snippet that stops compiling or drifts
/// from this copy fails the suite. The handlers are then run against the real client.
/// </summary>
public sealed class ReadmeExamplesSpec
{
    private sealed record Sum(int A, int B);

    private sealed record Answer(string Text);

    private sealed record Login(string User);

    private sealed class Calculator
    {
        public int Add(int a, int b) => a + b;
    }

    private static void Handlers(SocketClusterServer server)
    {
        // README:handlers
        // A procedure, minimal-API style: the data arrives as a typed parameter, services come from a DI scope per call, the
        // return value is the response. If it throws, that request alone gets an error answer; the procedure goes on.
        server.MapProcedure("sum", (Sum data, Calculator calculator) => calculator.Add(data.A, data.B));

        // An asynchronous handler: the token is cancelled when the socket closes (a handler it stops is not a failure:
        // nothing is answered or reported as an error).
        server.MapProcedure("slowEcho", async (RawJson data, CancellationToken cancellationToken) =>
        {
            await Task.Delay(100, cancellationToken);
            return data;
        });

        // A receiver (client transmit), then a server-side invoke on that socket with a typed answer.
        server.MapReceiver("hello", async (string name, AGRequestContext context) =>
        {
            context.Socket.Transmit("welcome", new { name });
            var answer = await context.Socket.InvokeAsync<Answer>("askClient", new { question = "ready?" }, cancellationToken: context.ConnectionClosed);
            Console.WriteLine($"client answered {answer?.Text}");
        });
        // README:end
        // README:login
        server.MapProcedure("login", async (Login login, AGRequestContext context) =>
            await context.Socket.SetAuthTokenAsync(new { sub = login.User }, new AuthTokenOptions(ExpiresIn: 3600), context.ConnectionClosed));
        // README:end
    }

    private static void Streams(SocketClusterServer server)
    {
        // README:streams
        _ = server.Listener(ServerEvents.Connection)
            .RunForeach(e => Console.WriteLine($"{e.Socket.Id} connected from {e.Socket.RemoteAddress}"), server.Materializer);
        _ = server.Procedure("double")
            .RunForeach(request => request.End(request.Data.Deserialize<int>() * 2), server.Materializer);
        // README:end
    }

    private static void PerSocket(SocketClusterServer server)
    {
        // README:persocket
        _ = server.Listener(ServerEvents.Connection)
            .RunForeach(e => e.Socket.MapProcedure("hello", () => $"hi {e.Socket.Id}"), server.Materializer);
        // README:end
    }

    private static async Task PubSub(SocketClusterServer server, AGServerSocket socket)
    {
        // README:pubsub
        var news = server.Exchange.Subscribe("news");
        _ = news.Source.RunForeach(data => Console.WriteLine(data), server.Materializer);
        await news.WhenSubscribed;
        await server.Exchange.InvokePublishAsync("news", new { headline = "from the server" });
        await socket.KickOutAsync("news", "bye");                // unsubscribe one socket, telling its client
        // README:end
    }

    private static async Task Client()
    {
        // README:client
        await using var socket = new AGClientSocket(new AGClientOptions { Uri = new Uri("ws://localhost:8000/socketcluster/") });
        await socket.ConnectAsync();
        // README:end
    }

    private static void Hosting(WebApplicationBuilder builder)
    {
        // README:hosting
        builder.Services.AddAGServer(options => options.AckTimeout = 5000);   // AGServerOptions, bound from the "AGServer" section
        var app = builder.Build();
        app.MapAGServer().RequireHost("ws.example.com");                     // a convention builder, as for any endpoint
        // README:end
    }

    private static void ChannelFeaturesConfig(WebApplicationBuilder builder)
    {
        // README:channelfeatures
        builder.Services.AddAGServer(options => options.Channels["room/*"] = new ChannelFeatures
        {
            HistorySize = 100,                      // the last 100 publications, each with an offset
            HistoryTtl = TimeSpan.FromMinutes(5),   // kept 5 minutes at most
            Presence = true,                        // members, counts, join/leave notices on $presence:room/...
            Recovery = true,                        // a re-subscribe with {offset, epoch} gets what it missed
        });
        // README:end
    }

    private static async Task<(ChannelPresence, ChannelPresence, ChannelHistory)> ChannelState(SocketClusterServer server)
    {
        // README:channelstate
        var presence = await server.Exchange.PresenceAsync("room/lobby");              // Sockets, Users, Members (cluster-wide)
        var counts = await server.Exchange.PresenceAsync("room/lobby", withMembers: false);
        var history = await server.Exchange.HistoryAsync("room/lobby", limit: 20);     // Epoch, Offset, Publications
        // README:end
        return (presence, counts, history);
    }

    private static void Middlewares(SocketClusterServer server)
    {
        // README:middleware
        // HANDSHAKE: refuse the upgrade (HTTP 401), or the SocketCluster handshake (close with statusCode, else 4008).
        server.SetMiddleware(MiddlewareType.Handshake, action =>
            action.Type == ActionType.HandshakeWs && !action.Request.Headers.ContainsKey("X-Api-Key")
                ? MiddlewareDecision.Block(new AGError("NoKeyError", "An API key is required"))
                : MiddlewareDecision.Allow);

        // INBOUND_RAW: every frame; replace its text or drop it.
        server.SetMiddleware(MiddlewareType.InboundRaw, action =>
            action.Message!.Length > 10_000 ? MiddlewareDecision.Block() : MiddlewareDecision.Allow);

        // INBOUND: transmit, invoke, subscribe, publishIn, authenticate. Here only private/ subscriptions are looked at.
        server.SetMiddleware(MiddlewareType.Inbound, action =>
            action.Socket!.AuthState == AuthState.Authenticated
                ? MiddlewareDecision.Allow
                : MiddlewareDecision.Block(new AGError("PrivateChannelError", "Log in first")),
            filter: static (ActionInfo a) => a.Type == ActionType.Subscribe && a.Name!.StartsWith("private/"));

        // OUTBOUND: each publish on its way to each socket; rewrite or drop it for that socket only.
        server.SetMiddleware(MiddlewareType.Outbound, action =>
            MiddlewareDecision.AllowWith(new { data = action.Data, to = action.Socket!.Id }),
            filter: static (ActionInfo a) => a.Name == "personal");
        // README:end
    }

    private static string Region(string source, string name)
    {
        var start = source.IndexOf($"// README:{name}", StringComparison.Ordinal);
        var end = source.IndexOf("// README:end", start, StringComparison.Ordinal);
        return source[(source.IndexOf('\n', start) + 1)..end];
    }

    private static string Normalize(string code) => Regex.Replace(code, @"\s+", " ").Trim();

    private static string RepoFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string here = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(here)!); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException(relative);
    }

    [Theory]
    [InlineData("client")]
    [InlineData("dotnetclient")]
    [InlineData("handlers")]
    [InlineData("login")]
    [InlineData("streams")]
    [InlineData("persocket")]
    [InlineData("pubsub")]
    [InlineData("hosting")]
    [InlineData("middleware")]
    [InlineData("channelfeatures")]
    [InlineData("channelstate")]
    [InlineData("testing")]
    [InlineData("room")]
    [InlineData("rooms")]
    [InlineData("messages")]
    [InlineData("events")]
    public void The_README_shows_the_compiled_examples(string region)
    {
        var readme = Normalize(File.ReadAllText(RepoFile("README.md")));
        var file = region switch
        {
            "testing" => "AGServer.Tests/Readme/SumSpec.cs",
            "dotnetclient" => "samples/ClientConsole/Program.cs",
            "room" => "samples/GameRoom/Room.cs",
            "rooms" => "samples/GameRoom/Rooms.cs",
            "messages" => "AGServer.Tests/Actors/RoomExample.cs",
            "events" => "AGServer.Tests/Actors/ActorProtocolSpec.cs",
            _ => "AGServer.Tests/Readme/ReadmeExamplesSpec.cs",
        };
        var source = File.ReadAllText(RepoFile(file));
        var code = Normalize(Region(source, region));
        Assert.Contains(code, readme);
    }

    [Fact]
    public async Task The_README_handlers_serve_the_real_client()
    {
        // A bare node (not the Conformance app, which has its own login) with only the README's handlers.
        var builder = AGServerApp.CreateBuilder(["--port", "0"]);
        builder.Services.AddSingleton<Calculator>();
        await using var app = builder.Build();
        app.MapAGServer();
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        Handlers(server);
        Streams(server);
        PerSocket(server);
        await app.StartAsync();
        await using var js = await JsClients.Start(new Uri(AGServerApp.WebSocketUrl(app)).Port);
        await js.Connect("readme");

        Assert.Equal(5, (await js.Invoke("readme", "sum", new { a = 2, b = 3 }))!.GetValue<int>());
        var error = await Assert.ThrowsAsync<JsError>(() => js.Invoke("readme", "sum", new { a = "x" }));
        Assert.Equal("InvalidArgumentsError", error.Name);
        Assert.Equal(9, (await js.Invoke("readme", "sum", new { a = 4, b = 5 }))!.GetValue<int>());
        Assert.Equal("hi", (await js.Invoke("readme", "slowEcho", "hi"))!.GetValue<string>());
        Assert.Equal(42, (await js.Invoke("readme", "double", 21))!.GetValue<int>());
        Assert.Equal($"hi {server.Clients.Keys.Single()}", (await js.Invoke("readme", "hello"))!.GetValue<string>());

        await js.Call("receiver", new { client = "readme", receiver = "welcome" });
        await js.Call("procedure", new { client = "readme", procedure = "askClient", reply = "echo" });
        await js.Transmit("readme", "hello", "ann");
        var welcome = await js.WaitFor("readme", "receiver:welcome");
        Assert.Equal("ann", welcome.Data!["name"]!.GetValue<string>());
        await js.WaitFor("readme", "procedure:askClient");

        await js.Invoke("readme", "login", new { user = "ann" });
        await js.WaitFor("readme", "authenticate");
        // The token names the user as server.Users knows users (sub): a whisper to ann reaches her socket.
        await js.Call("receiver", new { client = "readme", receiver = "whisper" });
        server.Users.Tell("ann", SocketCommand.Transmit("whisper", new { text = "your turn" }));
        Assert.Equal("your turn", (await js.WaitFor("readme", "receiver:whisper")).Data!["text"]!.GetValue<string>());

        await js.Call("subscribe", new { client = "readme", channel = "news" });
        await PubSub(server, server.Clients.Values.Single()).WaitAsync(TimeSpan.FromSeconds(20));
        await js.WaitFor("readme", "kickOut");
        await app.StopAsync();
    }

    [Fact]
    public async Task The_README_channel_features_keep_presence_and_history()
    {
        var builder = AGServerApp.CreateBuilder(["--port", "0"]);
        ChannelFeaturesConfig(builder);
        await using var app = builder.Build();
        app.MapAGServer();
        var server = app.Services.GetRequiredService<SocketClusterServer>();
        await app.StartAsync();
        await using var js = await JsClients.Start(new Uri(AGServerApp.WebSocketUrl(app)).Port);
        await js.Connect("member");
        await js.Call("subscribe", new { client = "member", channel = "room/lobby" });
        await js.Call("invokePublish", new { client = "member", channel = "room/lobby", data = "hi" });

        var (presence, counts, history) = await ChannelState(server);
        Assert.Equal(server.Clients.Keys.Single(), presence.Members.Single().SocketId);
        Assert.Equal((1, 0, 0), (counts.Sockets, counts.Users, counts.Members.Count));
        Assert.Equal("hi", history.Publications.Single().Data.ToString());
        await app.StopAsync();
    }
}
