using Akka.Hosting;
using AGServer;
using AGServer.Auth;
using AGServer.Hosting;
using AGServer.Protocol;
using AGServer.Sockets;
using GameRoom;

// The README's game server: typed handlers, a login that names the user, whispers that reach a user on any node,
// and rooms as sharded entities whose moves are journaled (--Rooms:Journal=<file>, default gameroom.db).
var builder = AGServerApp.CreateBuilder(args, (akka, services) =>
    akka.AddHocon(Rooms.Journal(services.GetRequiredService<IConfiguration>()["Rooms:Journal"] ?? "gameroom.db"), HoconAddMode.Prepend));
builder.Services.AddSingleton<Thinker>();
var app = builder.Build();
AGServerApp.MapNode(app);
var server = app.Services.GetRequiredService<SocketClusterServer>();

server.MapProcedure("login", async (Login login, AGRequestContext context) =>
    await context.Socket.SetAuthTokenAsync(new { sub = login.User }, new AuthTokenOptions(ExpiresIn: 3600), context.ConnectionClosed));
server.MapProcedure("whisper", (Whisper whisper, AGServerSocket socket) =>
    server.Users.Tell(whisper.To, SocketCommand.Transmit("whisper", new { from = socket.UserId, text = whisper.Text })));
// A synchronous handler, as a call into a blocking library is: calls of different sockets run at once.
server.MapProcedure("think", (Think think, Thinker thinker) => thinker.Think(think.Ms));
Rooms.Start(server);

await app.StartAsync();
Console.WriteLine($"GameRoom listening on {AGServerApp.WebSocketUrl(app)}");
await app.WaitForShutdownAsync();

record Login(string User);
record Whisper(string To, string Text);
record Think(int Ms);

/// <summary>Works out a move by blocking its thread for a while; answers how many moves were being worked out at once.</summary>
sealed class Thinker
{
    private int _thinking;

    public int Think(int ms)
    {
        var most = Interlocked.Increment(ref _thinking);
        Thread.Sleep(ms);
        most = Math.Max(most, Volatile.Read(ref _thinking));
        Interlocked.Decrement(ref _thinking);
        return most;
    }
}
