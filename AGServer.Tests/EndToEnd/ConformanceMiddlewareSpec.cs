using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>The Conformance app's middleware rows, with the real client.</summary>
public sealed class ConformanceMiddlewareSpec(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private JsClients Js => fixture.Js;

    [Fact]
    public async Task Query_reject_ws_refuses_the_upgrade()
    {
        await Js.Create("rejectWs", new { autoReconnect = false, query = new { reject = "ws" } });
        await Js.WaitFor("rejectWs", "connectAbort");
        Assert.DoesNotContain(Js.Events("rejectWs"), e => e.Event == "connect");
    }

    [Theory]
    [InlineData("sc", 4501)]
    [InlineData("sc-default", 4008)]
    public async Task Query_reject_sc_blocks_the_handshake_with_its_status_code(string reject, int code)
    {
        var name = $"reject-{reject}";
        await Js.Create(name, new { autoReconnect = false, query = new { reject } });
        Assert.Equal(code, (await Js.WaitFor(name, "connectAbort")).Data!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Private_channels_need_authentication()
    {
        await Js.Connect("private");
        await Js.Call("subscribe", new { client = "private", channel = "private/room", options = new { noWait = true } });
        Assert.Equal("PrivateChannelError", (await Js.WaitFor("private", "subscribeFail")).Data!["error"]!["name"]!.GetValue<string>());

        await Js.Invoke("private", "login", new { token = new { user = "p" } });
        await Js.WaitFor("private", "authenticate");
        await Js.Call("subscribe", new { client = "private", channel = "private/room2" });
    }

    [Fact]
    public async Task Readonly_channels_refuse_client_publishes()
    {
        await Js.Connect("readonly");
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Call("invokePublish", new { client = "readonly", channel = "readonly/news", data = 1 }));
        Assert.Equal("ReadOnlyChannelError", error.Name);
    }

    [Fact]
    public async Task Transform_channels_wrap_the_published_data()
    {
        await Js.Connect("transform");
        await Js.Call("subscribe", new { client = "transform", channel = "transform/x" });
        await Js.Call("invokePublish", new { client = "transform", channel = "transform/x", data = new { v = 1 } });
        var message = (await Js.WaitFor("transform", "channel:transform/x")).Data!;
        Assert.True(message["transformed"]!.GetValue<bool>());
        Assert.Equal(1, message["original"]!["v"]!.GetValue<int>());
    }

    [Fact]
    public async Task Forbidden_and_forbiddenTransmit_are_blocked()
    {
        await Js.Connect("forbidden");
        Assert.Equal("ForbiddenError", (await Assert.ThrowsAsync<JsError>(() => Js.Invoke("forbidden", "forbidden", 1))).Name);
        await Js.Call("receiver", new { client = "forbidden", receiver = "forbiddenTransmit" });
        await Js.Call("receiver", new { client = "forbidden", receiver = "echoTransmit" });
        await Js.Transmit("forbidden", "forbiddenTransmit", 1);
        await Js.Transmit("forbidden", "echoTransmit", "after");
        await Js.WaitFor("forbidden", "receiver:echoTransmit");
        Assert.DoesNotContain(Js.Events("forbidden"), e => e.Event == "receiver:forbiddenTransmit");
    }

    [Fact]
    public async Task A_banned_token_is_refused_and_the_socket_stays_unauthenticated()
    {
        await Js.Connect("bannedLogin");
        await Js.Invoke("bannedLogin", "login", new { token = new { user = "b", banned = true } });
        await Js.WaitFor("bannedLogin", "authenticate");
        var token = (await Js.Call("state", new { client = "bannedLogin" }))!["signedAuthToken"]!.GetValue<string>();

        await Js.Connect("banned");
        var result = (await Js.Call("authenticate", new { client = "banned", token }))!;
        Assert.False(result["isAuthenticated"]!.GetValue<bool>());
        Assert.Equal("BannedError", result["authError"]!["name"]!.GetValue<string>());
        Assert.Equal("unauthenticated", (await Js.Invoke("banned", "whoami"))!["authState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Filtered_channels_drop_messages_marked_skip()
    {
        await Js.Connect("filtered");
        await Js.Call("subscribe", new { client = "filtered", channel = "filtered/feed" });
        await Js.Call("invokePublish", new { client = "filtered", channel = "filtered/feed", data = new { skip = true, n = 1 } });
        await Js.Call("invokePublish", new { client = "filtered", channel = "filtered/feed", data = new { n = 2 } });
        var received = await Js.WaitFor("filtered", "channel:filtered/feed");
        Assert.Equal(2, received.Data!["n"]!.GetValue<int>());
        Assert.Single(Js.Events("filtered"), e => e.Event == "channel:filtered/feed");
    }
}
