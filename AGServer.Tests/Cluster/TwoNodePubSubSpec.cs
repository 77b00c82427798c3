using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Cluster;

/// <summary>Two nodes (two actor systems) in one process forming a cluster: channels work across them.</summary>
public sealed class TwoNodePubSubSpec : IAsyncLifetime
{
    private TestServer _nodeA = null!;
    private TestServer _nodeB = null!;
    private JsClients _onA = null!;
    private JsClients _onB = null!;

    public async Task InitializeAsync()
    {
        var seedPort = FreePort.Next();
        _nodeA = await TestServer.Start(null, "--cluster-port", seedPort.ToString(), "--seed", $"127.0.0.1:{seedPort}");
        _nodeB = await TestServer.Start(null, "--seed", $"127.0.0.1:{seedPort}");
        _onA = await JsClients.Start(_nodeA.Port);
        _onB = await JsClients.Start(_nodeB.Port);
    }

    public async Task DisposeAsync()
    {
        await _onA.DisposeAsync();
        await _onB.DisposeAsync();
        await _nodeB.DisposeAsync();
        await _nodeA.DisposeAsync();
    }

    [Fact]
    public void Both_nodes_see_a_cluster_of_two()
    {
        Assert.Equal(2, _nodeA.Server.Health().Members.Count);
        Assert.Equal(2, _nodeB.Server.Health().Members.Count);
    }

    [Fact]
    public async Task A_client_publish_on_one_node_reaches_subscribers_on_the_other_in_order()
    {
        await _onB.Connect("subscriber");
        await _onB.Call("subscribe", new { client = "subscriber", channel = "across" });
        await _onA.Connect("publisher");
        await _onA.Call("publishMany", new { client = "publisher", channel = "across", count = 300 });

        var received = await _onB.WaitForCount("subscriber", "channel:across", 300, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 300), received.Select(e => e.Data!["n"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Subscribers_on_both_nodes_receive_a_publish_once()
    {
        await _onA.Connect("localSub");
        await _onB.Connect("remoteSub");
        await _onA.Call("subscribe", new { client = "localSub", channel = "both" });
        await _onB.Call("subscribe", new { client = "remoteSub", channel = "both" });
        await _onA.Call("invokePublish", new { client = "localSub", channel = "both", data = "once" });
        await _onA.WaitFor("localSub", "channel:both");
        await _onB.WaitFor("remoteSub", "channel:both");
        await _onA.Call("invokePublish", new { client = "localSub", channel = "both", data = "twice" });
        await _onB.WaitFor("remoteSub", "channel:both", e => e.Data!.GetValue<string>() == "twice");
        Assert.Equal(2, _onB.Events("remoteSub").Count(e => e.Event == "channel:both"));
    }

    [Fact]
    public async Task An_exchange_subscription_on_one_node_receives_publishes_from_the_other()
    {
        var channel = _nodeA.Server.Exchange.Subscribe("cluster/watch");
        var first = channel.Source.RunWith(Sink.First<RawJson>(), _nodeA.Server.Materializer);
        await channel.WhenSubscribed;
        await _nodeB.Server.Exchange.InvokePublishAsync("cluster/watch", new { from = "B" });
        Assert.Equal("B", (await first.WaitAsync(TimeSpan.FromSeconds(10))).ToElement().GetProperty("from").GetString());
    }
}
