using AGServer;
using AGServer.Conformance;
using AGServer.Hosting;

// The conformance app (../shared/CONFORMANCE.md): the Host plus fixed procedures, receivers and rules.
var app = AGServerApp.CreateBuilder(args).Build();
app.MapAGServer();
var server = app.Services.GetRequiredService<SocketClusterServer>();
ConformanceApp.Install(server);
await app.StartAsync();
await ConformanceApp.StartExchangeRules(server);
Console.WriteLine($"AGServer.Conformance listening on {AGServerApp.WebSocketUrl(app)}");
await app.WaitForShutdownAsync();
