using System.Net;
using AGServer.Bench.Floor;

// The floor of the benchmarks: the least a .NET SocketCluster server does for the bench's scenarios (handshake,
// subscribe, publish fan-out, an echo procedure) on Kestrel's WebSockets: JsonDocument parsing, one Channel<byte[]>
// writer per socket, one in-process subscriber list, pings at socketcluster-server's and AGServer's defaults (every 8 s,
// 20 s timeout) from one timer. No actors, middleware, auth or cluster.
var port = args.SkipWhile(a => a != "--port").Skip(1).Select(int.Parse).FirstOrDefault();
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
var app = builder.Build();
app.UseWebSockets();
var hub = new FloorHub();
using var keepAlive = new FloorKeepAlive(pingInterval: 8000, pingTimeout: 20000);
app.Map("/socketcluster/", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }
    using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
    await new FloorSocket(webSocket, hub, keepAlive).RunAsync();
});
await app.StartAsync();
var address = new Uri(app.Urls.First());
Console.WriteLine($"Floor server listening on ws://localhost:{address.Port}/socketcluster/");
await app.WaitForShutdownAsync();
