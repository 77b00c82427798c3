using AGServer.Conformance;
using AGServer.Hosting;

// The conformance app (../shared/CONFORMANCE.md): the Host plus fixed procedures, receivers and rules.
var app = AGServerApp.Build(args);
ConformanceApp.Install(app.Services.GetRequiredService<AGServer.AGServer>());
await app.StartAsync();
Console.WriteLine($"AGServer.Conformance listening on {AGServerApp.WebSocketUrl(app)}");
await app.WaitForShutdownAsync();
