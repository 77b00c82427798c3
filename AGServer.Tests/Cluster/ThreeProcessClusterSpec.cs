using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>Three Conformance processes forming a cluster, driven by the real JS client across them.</summary>
public sealed class ThreeProcessClusterSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<NodeProcess> _nodes = new();
    private readonly List<JsClients> _clients = new();

    public async Task InitializeAsync()
    {
        var seedPort = FreePort.Next();
        _nodes.Add(await NodeProcess.Start("--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}"));
        _nodes.AddRange(await Task.WhenAll(
            NodeProcess.Start("--seed", $"127.0.0.1:{seedPort}"),
            NodeProcess.Start("--seed", $"127.0.0.1:{seedPort}")));
        foreach (var node in _nodes) _clients.Add(await JsClients.Start(node.Port));
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    [Fact]
    public async Task Publishes_from_every_node_reach_a_subscriber_in_order_and_resume_after_a_node_dies()
    {
        await _clients[0].Connect("sub");
        await _clients[0].Call("subscribe", new { client = "sub", channel = "across" });
        await _clients[1].Connect("pub2");
        await _clients[2].Connect("pub3");

        await Task.WhenAll(
            _clients[1].Call("publishMany", new { client = "pub2", channel = "across", count = 100, tag = "node2" }),
            _clients[2].Call("publishMany", new { client = "pub3", channel = "across", count = 100, tag = "node3" }));
        var received = await _clients[0].WaitForCount("sub", "channel:across", 200, TimeSpan.FromSeconds(60));
        foreach (var tag in new[] { "node2", "node3" })
            Assert.Equal(Enumerable.Range(0, 100),
                received.Where(e => e.Data!["tag"]!.GetValue<string>() == tag).Select(e => e.Data!["n"]!.GetValue<int>()));

        // Ten more channels, so that some channel entities certainly live on the node that dies.
        var channels = Enumerable.Range(0, 10).Select(i => $"crash/{i}").ToArray();
        foreach (var channel in channels) await _clients[0].Call("subscribe", new { client = "sub", channel });

        _nodes[2].Crash();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var resumed = new HashSet<string>();
        while (resumed.Count < channels.Length)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"delivery resumed on {resumed.Count} of {channels.Length} channels only");
            foreach (var channel in channels.Except(resumed))
                await _clients[1].Call("transmitPublish", new { client = "pub2", channel, data = new { tag = "after" } });
            try
            {
                await _clients[0].WaitFor("sub", $"channel:{channels.Except(resumed).First()}", timeout: TimeSpan.FromMilliseconds(500));
            }
            catch (TimeoutException)
            {
            }
            foreach (var channel in channels)
                if (_clients[0].Events("sub").Any(e => e.Event == $"channel:{channel}")) resumed.Add(channel);
        }
        output.WriteLine($"Delivery on every channel resumed {clock.Elapsed.TotalSeconds:F1} s after node 3 was killed");
    }

    [Fact]
    public async Task SIGTERM_disconnects_a_node_clients_with_1001_so_they_reconnect_elsewhere()
    {
        await _clients[1].Connect("leaving");
        await _nodes[1].Terminate();
        var disconnect = await _clients[1].WaitFor("leaving", "disconnect");
        Assert.Equal(1001, disconnect.Data!["code"]!.GetValue<int>());
        Assert.Contains("AGServer node", _nodes[0].Output);
    }
}
