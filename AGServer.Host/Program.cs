using AGServer.Hosting;

// The default AGServer node: `dotnet run --project AGServer.Host -- --port 8000`.
var app = AGServerApp.CreateBuilder(args).Build();
AGServerApp.MapNode(app);
await app.StartAsync();
Console.WriteLine($"AGServer listening on {AGServerApp.WebSocketUrl(app)}");
await app.WaitForShutdownAsync();
