using System.Text.Json;
using Akka.Actor;
using AGServer.Channels;
using AGServer.Channels.Internal;
using AGServer.Sockets.Internal;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Channels;

/// <summary>
/// A recovery whose query the channel does not answer (its entity is moving: the query went to an incarnation that
/// stopped, or waits behind a shard being handed off) asks again, up to three times, before it gives the client a gap.
/// </summary>
public sealed class RecoveryAskedAgainSpec : ServerTestKit
{
    /// <summary>Passes everything on to the region but loses the first <paramref name="lose"/> recovery queries.</summary>
    private sealed class LosingRelay(IActorRef region, int lose) : UntypedActor
    {
        private int _lost;

        protected override void OnReceive(object message)
        {
            if (message is HistoryQuery { Correlation: < 0 } && _lost < lose)
            {
                _lost++;
                return;
            }
            region.Forward(message);
        }
    }

    private async Task<(SocketClusterServer Server, string Epoch)> StartWithThreePublications(int lose)
    {
        var server = await StartServer(o =>
        {
            o.Channels["hist/*"] = new ChannelFeatures { HistorySize = 10, Recovery = true };
            o.SubscribeTimeout = 300;
        });
        for (var i = 1; i <= 3; i++) await server.Exchange.InvokePublishAsync("hist/a", new { n = i });
        var history = await server.Exchange.HistoryAsync("hist/a");
        server.Exchange.Region = Sys.ActorOf(Props.Create(() => new LosingRelay(server.Exchange.Region, lose)));
        return (server, history.Epoch);
    }

    /// <summary>The channel's publications to the socket after its subscribe: each one's data, or "unrecoverable".</summary>
    private static async Task<List<string>> Publications(InMemoryTransport transport, int count)
    {
        var got = new List<string>();
        while (got.Count < count)
        {
            var frame = JsonDocument.Parse(await transport.NextFrame(TimeSpan.FromSeconds(10))).RootElement;
            if (frame.ValueKind != JsonValueKind.Object || !frame.TryGetProperty("event", out var name) || name.GetString() != "#publish") continue;
            var data = frame.GetProperty("data").GetProperty("data");
            got.Add(data.TryGetProperty("unrecoverable", out _) ? "unrecoverable" : $"{data.GetProperty("offset").GetInt64()}:{data.GetProperty("data").GetProperty("n").GetInt32()}");
        }
        return got;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_lost_recovery_query_is_asked_again_and_the_client_gets_what_it_missed(int lost)
    {
        var (server, epoch) = await StartWithThreePublications(lose: lost);
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive($$$"""{"event":"#subscribe","data":{"channel":"hist/a","data":{"epoch":"{{{epoch}}}","offset":1}},"cid":2}""");

        Assert.Equal(["2:2", "3:3"], await Publications(transport, 2));
    }

    [Fact]
    public async Task A_channel_that_answers_none_of_three_asks_gives_the_client_a_gap_and_then_the_live_publications()
    {
        var (server, epoch) = await StartWithThreePublications(lose: SocketActor.RecoveryAsks);
        var (transport, _) = await OpenAndHandshake(server);

        await transport.Receive($$$"""{"event":"#subscribe","data":{"channel":"hist/a","data":{"epoch":"{{{epoch}}}","offset":1}},"cid":2}""");
        Assert.Equal(["unrecoverable"], await Publications(transport, 1));
        await server.Exchange.InvokePublishAsync("hist/a", new { n = 4 });

        Assert.Equal(["4:4"], await Publications(transport, 1));
    }
}
