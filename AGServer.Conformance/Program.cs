using AGServer;
using AGServer.Conformance;
using AGServer.Hosting;
using AGServer.Server;

// The conformance app (../shared/CONFORMANCE.md): the Host plus fixed procedures, receivers and rules.
var builder = AGServerApp.CreateBuilder(args);
builder.Services.Configure<AGServerOptions>(ConformanceApp.ConfigureChannels);
var app = builder.Build();
AGServerApp.MapNode(app);
var server = app.Services.GetRequiredService<SocketClusterServer>();
// --Conformance:RecordEvents=false: no event records (the benchmarks compare with a server that keeps none).
// --Conformance:EchoOnStream=true: echo served by the bare procedure stream (the benchmark's second RPC row).
ConformanceApp.Install(server, recordEvents: app.Configuration.GetValue("Conformance:RecordEvents", true),
    echoOnStream: app.Configuration.GetValue("Conformance:EchoOnStream", false));
await app.StartAsync();
// With discovery the node joins its cluster after the start (its HTTP endpoint must answer the other nodes first):
// the exchange rules subscribe once it has.
await server.WhenReady;
await ConformanceApp.StartExchangeRules(server);
Console.WriteLine($"AGServer.Conformance listening on {AGServerApp.WebSocketUrl(app)}");
await app.WaitForShutdownAsync();
