using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace AGServer.Tests.EndToEnd;

/// <summary>
/// History and recovery with the stock client on a two-node cluster. The Conformance app keeps the last 100
/// publications of <c>hist/*</c> channels; the follower uses the README's few lines of client code (driver.js, follow).
/// </summary>
public sealed class HistoryRecoverySpec(ITestOutputHelper output) : TwoNodeJsSpec
{
    private async Task<(JsonObject Position, JsonArray Items)> Followed(string client, string channel)
    {
        var state = (await Js.Call("followed", new { client, channel }))!;
        return (state["position"]!.AsObject(), state["items"]!.AsArray());
    }

    private async Task UntilFollowed(string client, string channel, Func<JsonArray, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition((await Followed(client, channel)).Items))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{client} did not get the expected publications on {channel}");
            await Task.Delay(50);
        }
    }

    private static int N(JsonNode? item) => item!["data"]!["n"]!.GetValue<int>();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_subscriber_away_for_5_s_gets_every_missed_publication_once_in_order_on_the_same_node_or_another(bool otherNode)
    {
        var channel = otherNode ? "hist/moved" : "hist/back";
        await Js.Connect("f");
        await Js.Call("follow", new { client = "f", channel });

        // 10 publishes a second from the other node, all through the test.
        using var stop = new CancellationTokenSource();
        var published = 0;
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Cluster[1].Server.Exchange.InvokePublishAsync(channel, new { n = published });
                published++;
                await Task.Delay(100);
            }
        });
        await UntilFollowed("f", channel, items => items.Count >= 10);

        await Js.Call("disconnect", new { client = "f" });
        var missedFrom = published;
        // The scenario: away for five seconds while publishing goes on, and at least 50 publications (a loaded machine
        // publishes slower than 10 a second).
        var away = System.Diagnostics.Stopwatch.StartNew();
        while (away.Elapsed < TimeSpan.FromSeconds(5) || Volatile.Read(ref published) - missedFrom < 50) await Task.Delay(50);
        var follower = "f";
        if (otherNode)
        {
            var (position, _) = await Followed("f", channel);
            await Js.Connect("g", port: Cluster[1].Port);
            await Js.Call("follow", new { client = "g", channel, position = position.DeepClone() });
            follower = "g";
        }
        else await Js.Call("connect", new { client = "f" });
        var missed = published - missedFrom;

        await UntilFollowed(follower, channel, items => items.Count > 0 && N(items[^1]) >= published - 1);
        stop.Cancel();
        await publisher;
        var total = published;
        await UntilFollowed(follower, channel, items => N(items[^1]) == total - 1);

        var items = (await Followed("f", channel)).Items.ToList();
        if (otherNode) items.AddRange((await Followed("g", channel)).Items);
        // What the follower got as sent (notices included), for a failure's message.
        var raw = (await Js.Call("followed", new { client = follower, channel }))!["raw"]!.AsArray();
        output.WriteLine($"{follower} got, as sent: {string.Join(" ", raw.Take(20).Select(m => m!.ToJsonString()))}");
        output.WriteLine($"{follower} kept: {string.Join(" ", (await Followed(follower, channel)).Items.Take(20).Select(m => m!.ToJsonString()))}");
        Assert.DoesNotContain(items, item => item!["unrecoverable"] is not null);
        Assert.Equal(Enumerable.Range(0, total), items.Select(N));
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), items.Select(item => item!["offset"]!.GetValue<long>()));
        Assert.True(missed >= 50, $"only {missed} publications were made while the subscriber was away");
        output.WriteLine($"{missed} publications missed while away, all recovered; {total} in all, once each, in order");
    }

    [Fact]
    public async Task A_gap_beyond_the_history_is_announced_and_live_publications_follow()
    {
        const string channel = "hist/gap";
        await Js.Connect("f");
        await Js.Call("follow", new { client = "f", channel });
        var exchange = Cluster[1].Server.Exchange;
        await exchange.InvokePublishAsync(channel, new { n = 0 });
        await UntilFollowed("f", channel, items => items.Count == 1);

        await Js.Call("disconnect", new { client = "f" });
        for (var n = 1; n <= 150; n++) await exchange.InvokePublishAsync(channel, new { n }); // history keeps 100
        await Js.Call("connect", new { client = "f" });
        await UntilFollowed("f", channel, items => items.Count == 2);
        var gap = (await Followed("f", channel)).Items[1]!;
        Assert.True(gap["unrecoverable"]!.GetValue<bool>());
        Assert.Equal(151, gap["offset"]!.GetValue<long>());

        await exchange.InvokePublishAsync(channel, new { n = 151 });
        await UntilFollowed("f", channel, items => items.Count == 3);
        var live = (await Followed("f", channel)).Items[2]!;
        Assert.Equal((152L, 151), (live["offset"]!.GetValue<long>(), N(live)));
    }

    [Fact]
    public async Task History_is_read_by_the_server_and_by_a_subscribed_client()
    {
        const string channel = "hist/read";
        for (var n = 0; n < 5; n++) await Cluster[0].Server.Exchange.InvokePublishAsync(channel, new { n });

        var history = await Cluster[1].Server.Exchange.HistoryAsync(channel);
        Assert.Equal([1L, 2, 3, 4, 5], history.Publications.Select(p => p.Offset));
        Assert.Equal(4, history.Publications[^1].Data.ToElement().GetProperty("n").GetInt32());

        await Js.Connect("reader");
        var refused = await Assert.ThrowsAsync<JsError>(() => Js.Invoke("reader", "agserver/history", new { channel }));
        Assert.Equal("InvalidActionError", refused.Name); // only subscribers read a channel's history
        await Js.Call("subscribe", new { client = "reader", channel });
        var read = (await Js.Invoke("reader", "agserver/history", new { channel, limit = 2 }))!;
        Assert.Equal(history.Epoch, read["epoch"]!.GetValue<string>());
        Assert.Equal([3, 4], read["publications"]!.AsArray().Select(p => p!["data"]!["n"]!.GetValue<int>()));
        Assert.Equal([4L, 5], read["publications"]!.AsArray().Select(p => p!["offset"]!.GetValue<long>()));
    }
}
