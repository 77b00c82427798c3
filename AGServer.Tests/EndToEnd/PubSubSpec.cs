using AGServer.Sockets;
using System.Text.Json.Nodes;
using Akka.Streams.Dsl;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>Pub/sub with the real socketcluster-client against the Conformance app.</summary>
public sealed class PubSubSpec(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private JsClients Js => fixture.Js;

    private Task Subscribe(string client, string channel) => Js.Call("subscribe", new { client, channel });

    [Fact]
    public async Task A_subscriber_receives_what_another_client_publishes_and_nothing_after_unsubscribing()
    {
        await Js.Connect("sub1");
        await Js.Connect("pub1");
        await Subscribe("sub1", "news");
        await Js.Call("invokePublish", new { client = "pub1", channel = "news", data = new { n = 1 } });
        var message = await Js.WaitFor("sub1", "channel:news");
        Assert.Equal(1, message.Data!["n"]!.GetValue<int>());

        await Js.Call("unsubscribe", new { client = "sub1", channel = "news" });
        await Js.Call("invokePublish", new { client = "pub1", channel = "news", data = new { n = 2 } });
        // A marker on another channel, published after: once it arrives, n=2 would have arrived before it.
        await Subscribe("sub1", "marker");
        await Js.Call("invokePublish", new { client = "pub1", channel = "marker", data = "m" });
        await Js.WaitFor("sub1", "channel:marker");
        Assert.Single(Js.Events("sub1"), e => e.Event == "channel:news");
        Assert.DoesNotContain(fixture.Server.Server.Clients.Values, s => s.IsSubscribed("news"));
    }

    [Fact]
    public async Task A_thousand_messages_from_one_publisher_arrive_in_order()
    {
        await Js.Connect("orderSub");
        await Js.Connect("orderPub");
        await Subscribe("orderSub", "order");
        await Js.Call("publishMany", new { client = "orderPub", channel = "order", count = 1000 });
        var received = await Js.WaitForCount("orderSub", "channel:order", 1000, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 1000), received.Select(e => e.Data!["n"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Two_hundred_subscribers_all_receive()
    {
        var names = Enumerable.Range(0, 200).Select(i => $"fan{i}").ToArray();
        await Task.WhenAll(names.Select(n => Js.Connect(n)));
        await Task.WhenAll(names.Select(n => Subscribe(n, "fanout")));
        await Js.Connect("fanPub");
        await Js.Call("invokePublish", new { client = "fanPub", channel = "fanout", data = "everyone" });
        foreach (var name in names)
            Assert.Equal("everyone", (await Js.WaitFor(name, "channel:fanout")).Data!.GetValue<string>());
        await Js.Call("destroyAll", new { });
    }

    [Fact]
    public async Task InvokePublish_is_acknowledged_and_a_publisher_subscribed_to_its_channel_receives_its_own_message()
    {
        await Js.Connect("self");
        await Subscribe("self", "echo-channel");
        Assert.True((await Js.Call("invokePublish", new { client = "self", channel = "echo-channel", data = "mine" }))!.GetValue<bool>());
        Assert.Equal("mine", (await Js.WaitFor("self", "channel:echo-channel")).Data!.GetValue<string>());
    }

    [Fact]
    public async Task KickOut_reaches_the_client_and_unsubscribes_it()
    {
        await Js.Connect("kicked");
        await Subscribe("kicked", "room");
        await Js.Invoke("kicked", "kickOut", new { channel = "room", message = "out you go" });
        var kick = await Js.WaitFor("kicked", "kickOut");
        Assert.Equal("room", kick.Data!["channel"]!.GetValue<string>());
        Assert.Equal("out you go", kick.Data!["message"]!.GetValue<string>());
        Assert.Empty((await Js.Invoke("kicked", "subscriptions"))!.AsArray());
    }

    [Fact]
    public async Task Subscriptions_lists_the_socket_channels_sorted()
    {
        await Js.Connect("lister");
        await Subscribe("lister", "b");
        await Subscribe("lister", "a");
        var channels = (await Js.Invoke("lister", "subscriptions"))!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(["a", "b"], channels);
    }

    [Fact]
    public async Task The_server_publish_procedure_reaches_subscribers()
    {
        await Js.Connect("serverPub");
        await Subscribe("serverPub", "from-server");
        await Js.Invoke("serverPub", "publish", new { channel = "from-server", data = new { hello = "there" } });
        Assert.Equal("there", (await Js.WaitFor("serverPub", "channel:from-server")).Data!["hello"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_exchange_rule_answers_server_inbox_on_server_outbox()
    {
        await Js.Connect("exchange");
        await Subscribe("exchange", "server/outbox");
        await Js.Call("transmitPublish", new { client = "exchange", channel = "server/inbox", data = new { ping = 1 } });
        var outbox = await Js.WaitFor("exchange", "channel:server/outbox");
        Assert.Equal(1, outbox.Data!["received"]!["ping"]!.GetValue<int>());
    }

    [Fact]
    public async Task Server_code_subscribes_through_the_exchange_and_sees_client_publishes()
    {
        var exchange = fixture.Server.Server.Exchange;
        var channel = exchange.Subscribe("server/watch");
        var first = channel.Source.RunWith(Sink.First<RawJson>(), fixture.Server.Server.Materializer);
        await channel.WhenSubscribed;
        Assert.True(exchange.IsSubscribed("server/watch"));

        await Js.Connect("watched");
        await Js.Call("invokePublish", new { client = "watched", channel = "server/watch", data = new { seen = true } });
        Assert.True((await first.WaitAsync(TimeSpan.FromSeconds(10))).ToElement().GetProperty("seen").GetBoolean());
        await channel.UnsubscribeAsync();
        Assert.False(exchange.IsSubscribed("server/watch"));
    }

    [Fact]
    public async Task Subscribe_and_unsubscribe_emit_server_events()
    {
        var server = fixture.Server.Server;
        var subscription = server.Listener(ServerEvents.Subscription).Where(e => e.Channel == "evented")
            .RunWith(Sink.First<SubscriptionEvent>(), server.Materializer);
        var unsubscription = server.Listener(ServerEvents.Unsubscription).Where(e => e.Channel == "evented")
            .RunWith(Sink.First<SubscriptionEvent>(), server.Materializer);
        await Js.Connect("evented");
        await Js.Call("subscribe", new { client = "evented", channel = "evented", options = new { data = new { x = 1 } } });
        var subscribed = await subscription.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("{\"x\":1}", subscribed.Data.GetRawText());
        await Js.Call("unsubscribe", new { client = "evented", channel = "evented" });
        Assert.Equal(subscribed.Socket, (await unsubscription.WaitAsync(TimeSpan.FromSeconds(10))).Socket);
    }

    [Fact]
    public async Task A_client_resubscribes_after_reconnecting_and_receives_again()
    {
        await Js.Connect("reconnector", new { autoReconnect = true, autoReconnectOptions = new { initialDelay = 50, randomness = 10, multiplier = 1, maxDelay = 100 } });
        await Subscribe("reconnector", "durable");
        await Js.Call("reconnect", new { client = "reconnector" });
        await Js.WaitForCount("reconnector", "subscribe", 2);
        await Js.Connect("durablePub");
        await Js.Call("invokePublish", new { client = "durablePub", channel = "durable", data = "again" });
        Assert.Equal("again", (await Js.WaitFor("reconnector", "channel:durable")).Data!.GetValue<string>());
    }
}

/// <summary>Options that change pub/sub: channel limit, client publish disabled.</summary>
public sealed class PubSubOptionsSpec : IAsyncLifetime
{
    private TestServer _server = null!;
    private JsClients _js = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.Start(o =>
        {
            o.SocketChannelLimit = 2;
            o.AllowClientPublish = false;
        });
        _js = await JsClients.Start(_server.Port);
    }

    public async Task DisposeAsync()
    {
        await _js.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Subscribing_past_the_channel_limit_fails()
    {
        await _js.Connect("limited");
        await _js.Call("subscribe", new { client = "limited", channel = "one" });
        await _js.Call("subscribe", new { client = "limited", channel = "two" });
        await _js.Call("subscribe", new { client = "limited", channel = "three", options = new { noWait = true } });
        var failure = await _js.WaitFor("limited", "subscribeFail");
        Assert.Equal("BrokerError", failure.Data!["error"]!["name"]!.GetValue<string>());
        Assert.Contains("channel subscription limit of 2", failure.Data!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Client_publish_fails_when_disabled_but_the_server_can_still_publish()
    {
        await _js.Connect("publisher");
        var error = await Assert.ThrowsAsync<JsError>(() => _js.Call("invokePublish", new { client = "publisher", channel = "c", data = 1 }));
        Assert.Equal("InvalidActionError", error.Name);
        Assert.Equal("Client publish feature is disabled", error.Error["message"]!.GetValue<string>());

        await _js.Call("subscribe", new { client = "publisher", channel = "c" });
        await _js.Invoke("publisher", "publish", new { channel = "c", data = "server" });
        Assert.Equal("server", (await _js.WaitFor("publisher", "channel:c")).Data!.GetValue<string>());
    }
}
