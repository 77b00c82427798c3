using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Cluster;

/// <summary>
/// The README's game server (samples/GameRoom) as two real nodes, each its own process with the runtime's default
/// thread pool (none of the test process's raised minimum), driven by the stock socketcluster-client: the path the
/// README recommends, checked from outside.
/// </summary>
public sealed class GameRoomSampleSpec : IAsyncLifetime
{
    private readonly string _journal = Path.Combine(Path.GetTempPath(), $"agserver-gameroom-{Guid.NewGuid():N}.db");
    private NodeProcess _one = null!;
    private NodeProcess _two = null!;
    private JsClients _onOne = null!;
    private JsClients _onTwo = null!;

    public async Task InitializeAsync()
    {
        var seedPort = FreePort.Next();
        _one = await NodeProcess.StartApp("GameRoom.dll", "--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}",
            $"--Rooms:Journal={_journal}", "--AGServer:AuthKey=the cluster's shared key");
        _two = await NodeProcess.StartApp("GameRoom.dll", "--seed", $"127.0.0.1:{seedPort}",
            $"--Rooms:Journal={_journal}", "--AGServer:AuthKey=the cluster's shared key");
        _onOne = await JsClients.Start(_one.Port);
        _onTwo = await JsClients.Start(_two.Port);
    }

    public async Task DisposeAsync()
    {
        await _onOne.DisposeAsync();
        await _onTwo.DisposeAsync();
        await _one.DisposeAsync();
        await _two.DisposeAsync();
        File.Delete(_journal);
    }

    [Fact]
    public async Task Synchronous_handlers_of_different_sockets_run_at_once_on_the_default_thread_pool()
    {
        var players = Enumerable.Range(0, 6).Select(i => $"p{i}").ToArray();
        foreach (var player in players) await _onOne.Connect(player);

        // Each call blocks its thread for 300 ms and answers how many were running at once.
        var answers = await Task.WhenAll(players.Select(p => _onOne.Invoke(p, "think", new { ms = 300 }, ackTimeout: 20_000)));

        Assert.True(answers.Max(a => a!.GetValue<int>()) >= 2, $"at most {answers.Max(a => a!.GetValue<int>())} ran at once");
    }

    [Fact]
    public async Task Rooms_whispers_and_errors_work_across_the_two_nodes()
    {
        await _onOne.Connect("ann");
        await _onTwo.Connect("bob");
        await _onOne.Invoke("ann", "login", new { user = "ann" });
        await _onTwo.Invoke("bob", "login", new { user = "bob" });

        // The README's login names the user as server.Users knows users: bob whispers to ann across nodes.
        await _onOne.Call("receiver", new { client = "ann", receiver = "whisper" });
        await WhisperArrives();

        foreach (var room in Enumerable.Range(0, 8).Select(i => $"room-{i}"))
        {
            Assert.Equal(1, (await _onOne.Invoke("ann", "move", new { room, x = 1, y = 1 }))!["moves"]!.GetValue<int>());
            foreach (var (js, client) in new[] { (_onOne, "ann"), (_onTwo, "bob") })
            {
                var illegal = await Assert.ThrowsAsync<JsError>(() => js.Invoke(client, "move", new { room, x = 99, y = 1 }, ackTimeout: 5000));
                Assert.Equal("IllegalMoveError", illegal.Name);
            }
        }
        // A malformed move is refused before any region sees it; no room lost its count.
        var invalid = await Assert.ThrowsAsync<JsError>(() => _onTwo.Invoke("bob", "move", "x", ackTimeout: 5000));
        Assert.Equal("InvalidArgumentsError", invalid.Name);
        foreach (var room in Enumerable.Range(0, 8).Select(i => $"room-{i}"))
            Assert.Equal(2, (await _onTwo.Invoke("bob", "move", new { room, x = 2, y = 2 }, ackTimeout: 5000))!["moves"]!.GetValue<int>());

        // A misspelt procedure is answered by name, well before the client's ack timeout.
        var unknown = await Assert.ThrowsAsync<JsError>(() => _onTwo.Invoke("bob", "mvoe", new { room = "room-0" }, ackTimeout: 5000));
        Assert.Equal("UnknownProcedureError", unknown.Name);
    }

    /// <summary>A whisper from bob (node 2) reaches ann (node 1); the nodes' user directories may need a moment after login.</summary>
    private async Task WhisperArrives()
    {
        await _onTwo.Invoke("bob", "whisper", new { to = "ann", text = "your turn" });
        var whisper = await _onOne.WaitFor("ann", "receiver:whisper");
        Assert.Equal(("bob", "your turn"), (whisper.Data!["from"]!.GetValue<string>(), whisper.Data!["text"]!.GetValue<string>()));
    }
}
