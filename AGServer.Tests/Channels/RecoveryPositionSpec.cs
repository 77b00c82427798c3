using AGServer.Sockets.Internal;
using System.Text.Json;
using AGServer.Channels;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>A recovery position or a history limit of the wrong shape is answered with an error, never taken as none.</summary>
public sealed class RecoveryPositionSpec : ServerTestKit
{
    private Task<SocketClusterServer> StartWithHistory() => StartServer(o => o.Channels["hist/*"] = new ChannelFeatures
    {
        HistorySize = 10,
        Recovery = true,
    });

    private static async Task<JsonElement> Answer(InMemoryTransport transport, long rid)
    {
        while (true)
        {
            var frame = JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(5))).RootElement;
            if (frame.ValueKind == JsonValueKind.Object && frame.TryGetProperty("rid", out var r) && r.GetInt64() == rid) return frame;
        }
    }

    [Theory]
    [InlineData("""{"offset": "x", "epoch": "5"}""")]
    [InlineData("""{"offset": -1, "epoch": "e"}""")]
    [InlineData("""{"offset": 3}""")]
    [InlineData("""{"epoch": "e"}""")]
    [InlineData("""{"offset": 1.5, "epoch": "e"}""")]
    [InlineData("""{"offset": 3, "epoch": {"e": 1}}""")]
    [InlineData("""{"offset": 1e19, "epoch": "e"}""")]
    [InlineData("""{"offset": 1e300, "epoch": "e"}""")]
    [InlineData("""{"offset": 3, "epoch": ""}""")]
    public async Task A_malformed_position_is_refused_with_InvalidArgumentsError(string position)
    {
        var server = await StartWithHistory();
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive($$"""{"event":"#subscribe","data":{"channel":"hist/a","data":{{position}}},"cid":2}""");

        Assert.Equal("InvalidArgumentsError", (await Answer(transport, 2)).GetProperty("error").GetProperty("name").GetString());
        Assert.Empty(server.Clients.Values.Single().Subscriptions());
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"offset": 0, "epoch": "old"}""")]
    [InlineData("""{"offset": 1000000000000000000, "epoch": "old"}""")]
    public async Task No_position_or_a_whole_one_subscribes(string position)
    {
        var server = await StartWithHistory();
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive($$"""{"event":"#subscribe","data":{"channel":"hist/a","data":{{position}}},"cid":2}""");

        Assert.False((await Answer(transport, 2)).TryGetProperty("error", out _));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("\"abc\"")]
    [InlineData("2.5")]
    public async Task A_history_limit_that_is_not_a_whole_number_from_0_is_refused(string limit)
    {
        var server = await StartWithHistory();
        var (transport, _) = await OpenAndHandshake(server);
        await transport.Receive("""{"event":"#subscribe","data":{"channel":"hist/a"},"cid":2}""");
        await Answer(transport, 2);

        await transport.Receive($$"""{"event":"agserver/history","data":{"channel":"hist/a","limit":{{limit}}},"cid":3}""");

        Assert.Equal("InvalidArgumentsError", (await Answer(transport, 3)).GetProperty("error").GetProperty("name").GetString());
    }
}
