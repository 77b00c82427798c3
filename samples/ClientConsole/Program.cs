using AGServer.Client;

// The README's .NET client, against a node running the Conformance app (its procedures: login, echo, invokeBack;
// history and recovery on hist/*), e.g. `dotnet run -c Release --project AGServer.Conformance` or a node of
// scripts/cluster-demo.sh: `dotnet run --project samples/ClientConsole -- ws://localhost:8000/socketcluster/`.
var url = new Uri(args.Length > 0 ? args[0] : "ws://localhost:8000/socketcluster/");

// README:dotnetclient
await using var socket = new AGClientSocket(new AGClientOptions { Uri = url });
socket.OnInvoke<Question, string>("askClient", (question, cancellationToken) => Task.FromResult($"yes, to '{question?.Text}'"));
await socket.ConnectAsync();

await socket.InvokeAsync("login", new { token = new { sub = "console" } });         // the server sets a token
Console.WriteLine($"logged in as {socket.AuthToken?.GetProperty("sub")}");
Console.WriteLine($"echo: {await socket.InvokeAsync<string>("echo", "hello")}");
var answer = await socket.InvokeAsync<string>("invokeBack", new { procedure = "askClient", data = new Question("ready?") });
Console.WriteLine($"the server asked this client and got: {answer}");

// A history channel with recovery: after a reconnect (its node restarted, the network dropped) the reader gets what
// it missed, once and in order; Unrecoverable says when it missed more than the history keeps.
var notes = socket.SubscribeWithRecovery("hist/console");
notes.Unrecoverable += (_, now) => Console.WriteLine($"missed more than the history keeps; now at {now}");
await notes.WhenSubscribedAsync();
for (var i = 1; i <= 3; i++) await socket.InvokePublishAsync("hist/console", new Note($"note {i}"));
var read = 0;
await foreach (var note in notes.ListenAsync<Note>())
{
    Console.WriteLine($"{notes.Position}: {note?.Text}");
    if (++read == 3) break;
}
// README:end

record Question(string Text);
record Note(string Text);
