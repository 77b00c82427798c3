using System.Text.RegularExpressions;
using AGServer.Auth;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Tests.Support;
using Akka.Streams.Dsl;
using Xunit;

namespace AGServer.Tests.Readme;

/// <summary>
/// The README's handler examples, compiled here, and checked to be the README's text: a snippet that stops compiling
/// or drifts from this copy fails the suite. The sum procedure is then run against the real client.
/// </summary>
public sealed class ReadmeExamplesSpec
{
    private static void Handlers(SocketClusterServer server)
    {
        // README:handlers
        server.MapProcedure("sum", request =>
        {
            var data = request.Data.ToElement();
            return data.GetProperty("a").GetInt32() + data.GetProperty("b").GetInt32();
        });

        // An asynchronous handler: it gets a token cancelled when the socket closes.
        server.MapProcedure("slowEcho", async (request, cancellationToken) =>
        {
            await Task.Delay(100, cancellationToken);
            return request.Data;
        });

        // A receiver (client transmit); then a server-side invoke on that socket, awaited in the handler.
        server.MapReceiver("hello", async (message, cancellationToken) =>
        {
            message.Socket.Transmit("welcome", new { name = message.Data.AsString() });
            var answer = await message.Socket.InvokeAsync("askClient", new { question = "ready?" });
            Console.WriteLine($"client answered {answer}");
        });
        // README:end
        // README:login
        server.MapProcedure("login", async (request, cancellationToken) =>
        {
            var user = request.Data.ToElement().GetProperty("user").GetString();
            await request.Socket.SetAuthTokenAsync(new { user }, new AuthTokenOptions(ExpiresIn: 3600));
            return null;
        });
        // README:end
    }

    private static void Listeners(SocketClusterServer server, Akka.Streams.IMaterializer materializer)
    {
        // README:listener
        server.Listener(ServerEvents.Connection)
            .RunForeach(e => Console.WriteLine($"{e.Socket.Id} connected from {e.Socket.RemoteAddress}"), materializer);
        // README:end
    }

    private static async Task PubSub(SocketClusterServer server, global::AGServer.Sockets.AGServerSocket socket, Akka.Streams.IMaterializer materializer)
    {
        // README:pubsub
        var news = server.Exchange.Subscribe("news");
        _ = news.Source.RunForeach(data => Console.WriteLine(data), materializer);
        await news.WhenSubscribed;
        await server.Exchange.InvokePublishAsync("news", new { headline = "from the server" });
        await socket.KickOutAsync("news", "bye");                // unsubscribe one socket, telling its client
        // README:end
    }

    private static void Middlewares(SocketClusterServer server, Akka.Streams.IMaterializer materializer)
    {
        // README:middleware
        // HANDSHAKE: refuse the upgrade (HTTP 401), or the SocketCluster handshake (close with statusCode, else 4008).
        server.SetMiddleware(MiddlewareType.Handshake, actions => actions.RunForeach(action =>
        {
            if (action.Type == ActionType.HandshakeWs && !action.Request.Headers.ContainsKey("X-Api-Key"))
                action.Block(new AGError("NoKeyError", "An API key is required"));
            else action.Allow();
        }, materializer));

        // INBOUND_RAW: every frame; replace its text or drop it.
        server.SetMiddleware(MiddlewareType.InboundRaw, actions => actions.RunForeach(action =>
        {
            if (action.Message!.Length > 10_000) action.Block();
            else action.Allow();
        }, materializer));

        // INBOUND: transmit, invoke, subscribe, publishIn, authenticate. Here only private/ subscriptions are looked at.
        server.SetMiddleware(MiddlewareType.Inbound, actions => actions.RunForeach(action =>
        {
            if (action.Socket!.AuthState != AuthState.Authenticated)
                action.Block(new AGError("PrivateChannelError", "Log in first"));
            else action.Allow();
        }, materializer), filter: static (in ActionInfo a) => a.Type == ActionType.Subscribe && a.Name!.StartsWith("private/"));

        // OUTBOUND: each publish on its way to each socket; rewrite or drop it for that socket only.
        server.SetMiddleware(MiddlewareType.Outbound, actions => actions.RunForeach(action =>
            action.Allow(new { data = action.Data, to = action.Socket!.Id }), materializer),
            filter: static (in ActionInfo a) => a.Name == "personal");
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
    [InlineData("handlers")]
    [InlineData("login")]
    [InlineData("listener")]
    [InlineData("pubsub")]
    [InlineData("middleware")]
    public void The_README_shows_the_compiled_examples(string region)
    {
        var readme = Normalize(File.ReadAllText(RepoFile("README.md")));
        var code = Normalize(Region(File.ReadAllText(RepoFile("AGServer.Tests/Readme/ReadmeExamplesSpec.cs")), region));
        Assert.Contains(code, readme);
    }

    private sealed class AsyncDisposable(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }

    [Fact]
    public async Task The_README_sum_procedure_answers_and_survives_bad_data()
    {
        // A bare node (not the Conformance app, which has its own login) with only the README's handlers.
        var app = global::AGServer.Hosting.AGServerApp.Build(["--port", "0"]);
        Handlers(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<SocketClusterServer>(app.Services));
        await app.StartAsync();
        await using var stop = new AsyncDisposable(async () => { await app.StopAsync(); await app.DisposeAsync(); });
        await using var js = await JsClients.Start(new Uri(global::AGServer.Hosting.AGServerApp.WebSocketUrl(app)).Port);
        await js.Connect("readme");
        Assert.Equal(5, (await js.Invoke("readme", "sum", new { a = 2, b = 3 }))!.GetValue<int>());
        var error = await Assert.ThrowsAsync<JsError>(() => js.Invoke("readme", "sum", new { a = "x" }));
        Assert.Equal("ServerError", error.Name);
        Assert.Equal(9, (await js.Invoke("readme", "sum", new { a = 4, b = 5 }))!.GetValue<int>());
        await js.Invoke("readme", "login", new { user = "ann" });
        await js.WaitFor("readme", "authenticate");

        var server = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<SocketClusterServer>(app.Services);
        Listeners(server, server.Materializer);
        await js.Call("subscribe", new { client = "readme", channel = "news" });
        await PubSub(server, server.Clients.Values.Single(), server.Materializer).WaitAsync(TimeSpan.FromSeconds(20));
        await js.WaitFor("readme", "kickOut");
    }
}
