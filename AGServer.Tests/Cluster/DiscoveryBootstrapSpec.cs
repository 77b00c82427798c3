using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.Cluster;

/// <summary>Three Conformance processes with no seed: they find each other through Akka.Discovery (config method).</summary>
public sealed class DiscoveryBootstrapSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<NodeProcess> _nodes = new();

    public async Task InitializeAsync()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToArray();
        string[] discovery = [.. ports.SelectMany(p => new[] { "--contact-point", $"127.0.0.1:{p}" }), "--required-contact-points", "3"];
        _nodes.AddRange(await Task.WhenAll(ports.Select(port => NodeProcess.Start(["--port", port.ToString(), .. discovery]))));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    private static async Task<JsonNode> Health(HttpClient http, NodeProcess node) =>
        JsonNode.Parse(await (await http.GetAsync($"http://127.0.0.1:{node.Port}/health")).Content.ReadAsStringAsync())!;

    [Fact]
    public async Task Nodes_started_with_contact_points_and_no_seed_form_one_cluster()
    {
        using var http = new HttpClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var node in _nodes)
        {
            while (true)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the nodes did not form one cluster: " + node.Output);
                var health = await Health(http, node);
                if (health["ready"]!.GetValue<bool>() && health["members"]!.AsArray().Count(m => m!["status"]!.GetValue<string>() == "Up") == 3) break;
                await Task.Delay(200);
            }
        }
        output.WriteLine($"Three nodes formed one cluster through discovery in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Single(_nodes, n => n.Output.Contains("forms the cluster"));

        // One cluster: a publish on node 3 reaches a subscriber on node 1.
        await using var js = await JsClients.Start(_nodes[0].Port);
        await js.Connect("sub");
        await js.Call("subscribe", new { client = "sub", channel = "found" });
        await js.Connect("pub", port: _nodes[2].Port);
        await js.Call("invokePublish", new { client = "pub", channel = "found", data = "hello" });
        Assert.Equal("hello", (await js.WaitFor("sub", "channel:found")).Data!.GetValue<string>());
    }
}
