using System.Net;
using System.Net.WebSockets;
using AGServer.Tests.Cluster;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>Limits on new connections, checked before a WebSocket is accepted: per client address, and the node's handshake rate.</summary>
public sealed class ConnectionLimitsSpec
{
    private static async Task<WebSocketException> Refused(string url)
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => RawSocket.Connect(url));
        Assert.Contains("429", refused.Message);
        return refused;
    }

    [Fact]
    public async Task An_address_at_its_connection_limit_is_refused_with_429_until_one_of_its_connections_ends()
    {
        await using var node = await TestServer.Start(o => o.MaxConnectionsPerAddress = 2);
        var first = await RawSocket.Connect(node.Url);
        await using var second = await RawSocket.Connect(node.Url);

        await Refused(node.Url);

        await first.DisposeAsync();
        await ClusterNodes.Eventually(() => node.Server.ConnectionLimits.OpenFrom(IPAddress.Loopback) == 1, seconds: 10);
        await using var third = await RawSocket.Connect(node.Url);
        await third.Send("""{"event":"echo","data":"x","cid":2}""");
        Assert.Equal("""{"rid":2,"data":"x"}""", await third.Receive());
    }

    [Fact]
    public async Task Connections_beyond_the_node_handshake_rate_are_refused_with_429()
    {
        // One new connection a second, two at once: a third right after them is over the rate.
        await using var node = await TestServer.Start(o => o.HandshakeRateLimit = new() { PerSecond = 1, Burst = 2 });
        await using var first = await RawSocket.Connect(node.Url);
        await using var second = await RawSocket.Connect(node.Url);

        await Refused(node.Url);
        Assert.Equal(2, node.Server.ClientsCount);
    }
}
