using AGServer.Streams;
using AGServer.Sockets;
using System.Text.Json.Nodes;
using Akka.Streams.Dsl;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.Middleware;

/// <summary>Every middleware type and action, driven by the real socketcluster-client.</summary>
public sealed class MiddlewareSpec : IClassFixture<MiddlewareFixture>, IDisposable
{
    private readonly MiddlewareFixture _fixture;
    private static int _clients;

    public MiddlewareSpec(MiddlewareFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    public void Dispose() => _fixture.Reset();

    private JsClients Js => _fixture.Js;

    private static string NewClient() => $"mw{Interlocked.Increment(ref _clients)}";

    /// <summary>A decision for actions of <paramref name="actionType"/>; every other action is allowed.</summary>
    private void On(MiddlewareType middlewareType, ActionType actionType, Action<AGAction> decide, int delayMs = 0) =>
        _fixture.Decide(middlewareType, async action =>
        {
            if (action.Type != actionType)
            {
                action.Allow();
                return;
            }
            if (delayMs > 0) await Task.Delay(delayMs);
            decide(action);
        });

    private static AGError Refusal() => new("RefusedError", "Refused by middleware");

    // ---- INVOKE ----

    [Fact]
    public async Task An_allowed_invoke_reaches_its_procedure()
    {
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Allow());
        var c = NewClient();
        await Js.Connect(c);
        Assert.Equal("ok", (await Js.Invoke(c, "echo", "ok"))!.GetValue<string>());
    }

    [Fact]
    public async Task A_blocked_invoke_is_answered_with_the_error()
    {
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Block(Refusal()));
        var c = NewClient();
        await Js.Connect(c);
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke(c, "echo", 1));
        Assert.Equal("RefusedError", error.Name);
    }

    [Fact]
    public async Task A_silent_block_reaches_the_client_as_SilentMiddlewareBlockedError()
    {
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Block(new AGError("SecretError", "do not tell") { Silent = true }));
        var c = NewClient();
        await Js.Connect(c);
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke(c, "echo", 1));
        Assert.Equal("SilentMiddlewareBlockedError", error.Name);
        Assert.Equal("inbound", error.Error["type"]!.GetValue<string>());
        Assert.DoesNotContain("do not tell", error.Error.ToJsonString());
    }

    [Fact]
    public async Task A_block_with_no_error_reaches_the_client_as_SilentMiddlewareBlockedError()
    {
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Block());
        var c = NewClient();
        await Js.Connect(c);
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke(c, "echo", 1));
        Assert.Equal("SilentMiddlewareBlockedError", error.Name);
        Assert.Equal("The invoke AGAction was blocked by inbound middleware", error.Error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_invoke_can_have_its_data_replaced()
    {
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Allow(new { replaced = a.Data.ToElement().GetProperty("n").GetInt32() * 2 }));
        var c = NewClient();
        await Js.Connect(c);
        Assert.Equal(42, (await Js.Invoke(c, "echo", new { n = 21 }))!["replaced"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_delayed_decision_holds_the_socket_packets_in_order()
    {
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Allow(), delayMs: 200);
        var c = NewClient();
        await Js.Connect(c);
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Js.Invoke(c, "echo", i)));
        Assert.Equal(Enumerable.Range(0, 5), results.Select(r => r!.GetValue<int>()));
    }

    [Fact]
    public async Task A_block_is_emitted_as_a_server_warning()
    {
        var server = _fixture.Server.Server;
        var warning = server.Listener(ServerEvents.Warning).Where(w => w is AGError { Name: "WarnedError" })
            .RunWith(Sink.First<Exception>(), server.Materializer);
        On(MiddlewareType.Inbound, ActionType.Invoke, a => a.Block(new AGError("WarnedError", "noted")));
        var c = NewClient();
        await Js.Connect(c);
        await Assert.ThrowsAsync<JsError>(() => Js.Invoke(c, "echo", 1));
        await warning.WaitAsync(TimeSpan.FromSeconds(10));
    }

    // ---- TRANSMIT ----

    [Fact]
    public async Task A_blocked_transmit_vanishes_and_an_allowed_one_arrives()
    {
        On(MiddlewareType.Inbound, ActionType.Transmit, a =>
        {
            if (a.Data.GetRawText() == "\"blocked\"") a.Block(Refusal());
            else a.Allow();
        });
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("receiver", new { client = c, receiver = "echoTransmit" });
        await Js.Transmit(c, "echoTransmit", "blocked");
        await Js.Transmit(c, "echoTransmit", "allowed");
        await Js.WaitFor(c, "receiver:echoTransmit");
        Assert.Equal(["allowed"], Js.Events(c).Where(e => e.Event == "receiver:echoTransmit").Select(e => e.Data!.GetValue<string>()));
    }

    [Fact]
    public async Task A_transmit_can_have_its_data_replaced_after_a_delay()
    {
        On(MiddlewareType.Inbound, ActionType.Transmit, a => a.Allow("rewritten"), delayMs: 100);
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("receiver", new { client = c, receiver = "echoTransmit" });
        await Js.Transmit(c, "echoTransmit", "original");
        Assert.Equal("rewritten", (await Js.WaitFor(c, "receiver:echoTransmit")).Data!.GetValue<string>());
    }

    // ---- SUBSCRIBE ----

    [Fact]
    public async Task A_blocked_subscribe_fails_with_the_error()
    {
        On(MiddlewareType.Inbound, ActionType.Subscribe, a => a.Block(Refusal()));
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "nope", options = new { noWait = true } });
        var fail = await Js.WaitFor(c, "subscribeFail");
        Assert.Equal("RefusedError", fail.Data!["error"]!["name"]!.GetValue<string>());
        Assert.Empty((await Js.Invoke(c, "subscriptions"))!.AsArray());
    }

    [Fact]
    public async Task A_subscribe_blocked_with_no_error_fails_silently_blocked()
    {
        On(MiddlewareType.Inbound, ActionType.Subscribe, a => a.Block());
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "quiet", options = new { noWait = true } });
        Assert.Equal("SilentMiddlewareBlockedError", (await Js.WaitFor(c, "subscribeFail")).Data!["error"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscribe_can_have_its_data_replaced()
    {
        var server = _fixture.Server.Server;
        var subscribed = server.Listener(ServerEvents.Subscription).Where(e => e.Channel == "replaced-sub")
            .RunWith(Sink.First<SubscriptionEvent>(), server.Materializer);
        On(MiddlewareType.Inbound, ActionType.Subscribe, a => a.Allow(new { extra = "added" }));
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "replaced-sub", options = new { data = "original" } });
        Assert.Equal("{\"extra\":\"added\"}", (await subscribed.WaitAsync(TimeSpan.FromSeconds(10))).Data.GetRawText());
    }

    [Fact]
    public async Task A_delayed_subscribe_keeps_publish_order()
    {
        On(MiddlewareType.Inbound, ActionType.Subscribe, a => a.Allow(), delayMs: 300);
        var c = NewClient();
        await Js.Connect(c);
        // Subscribe and publish at once: the publishes are processed after the delayed subscribe, so all arrive, in order.
        await Js.Call("subscribe", new { client = c, channel = "slow-sub", options = new { noWait = true } });
        await Js.Call("publishMany", new { client = c, channel = "slow-sub", count = 50 });
        var received = await Js.WaitForCount(c, "channel:slow-sub", 50);
        Assert.Equal(Enumerable.Range(0, 50), received.Select(e => e.Data!["n"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_delayed_subscribe_from_a_client_that_starts_disconnected_keeps_publish_order()
    {
        On(MiddlewareType.Inbound, ActionType.Subscribe, a => a.Allow(), delayMs: 300);
        var c = NewClient();
        await Js.Create(c, new { autoConnect = false, autoReconnect = false });
        await Js.Call("subscribe", new { client = c, channel = "offline-sub", options = new { noWait = true } });
        await Js.Call("publishMany", new { client = c, channel = "offline-sub", count = 20 });
        await Js.Call("connect", new { client = c });
        var received = await Js.WaitForCount(c, "channel:offline-sub", 20);
        Assert.Equal(Enumerable.Range(0, 20), received.Select(e => e.Data!["n"]!.GetValue<int>()));
    }

    // ---- PUBLISH_IN ----

    [Fact]
    public async Task A_blocked_publish_is_answered_with_the_error_and_not_delivered()
    {
        On(MiddlewareType.Inbound, ActionType.PublishIn, a =>
        {
            if (a.Channel == "guarded") a.Block(Refusal());
            else a.Allow();
        });
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "guarded" });
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Call("invokePublish", new { client = c, channel = "guarded", data = 1 }));
        Assert.Equal("RefusedError", error.Name);
        await Js.Call("subscribe", new { client = c, channel = "open" });
        await Js.Call("invokePublish", new { client = c, channel = "open", data = 2 });
        await Js.WaitFor(c, "channel:open");
        Assert.DoesNotContain(Js.Events(c), e => e.Event == "channel:guarded");
    }

    [Fact]
    public async Task A_publish_can_have_its_data_replaced_for_invoke_and_transmit_publishes()
    {
        On(MiddlewareType.Inbound, ActionType.PublishIn, a => a.Allow(new { wrapped = a.Data }));
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "wrap" });
        await Js.Call("invokePublish", new { client = c, channel = "wrap", data = 1 });
        await Js.Call("transmitPublish", new { client = c, channel = "wrap", data = 2 });
        var received = await Js.WaitForCount(c, "channel:wrap", 2);
        Assert.Equal([1, 2], received.Select(e => e.Data!["wrapped"]!.GetValue<int>()));
    }

    // ---- AUTHENTICATE ----

    [Fact]
    public async Task A_blocked_authenticate_leaves_the_socket_unauthenticated()
    {
        On(MiddlewareType.Inbound, ActionType.Authenticate, a => a.Block(new AGError("BannedError", "banned")));
        var c = NewClient();
        await Js.Connect(c);
        var token = await SignToken(new { user = "x" });
        var result = (await Js.Call("authenticate", new { client = c, token }))!;
        Assert.False(result["isAuthenticated"]!.GetValue<bool>());
        Assert.Equal("BannedError", result["authError"]!["name"]!.GetValue<string>());
        Assert.Equal("unauthenticated", (await Js.Invoke(c, "whoami"))!["authState"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_allowed_authenticate_carries_the_token_to_the_middleware()
    {
        string? seen = null;
        On(MiddlewareType.Inbound, ActionType.Authenticate, a =>
        {
            seen = a.AuthToken!.Value.GetProperty("user").GetString();
            a.Allow();
        });
        var c = NewClient();
        await Js.Connect(c);
        var result = (await Js.Call("authenticate", new { client = c, token = await SignToken(new { user = "seen" }) }))!;
        Assert.True(result["isAuthenticated"]!.GetValue<bool>());
        Assert.Equal("seen", seen);
    }

    /// <summary>A token signed by the server (so it verifies): log in on a helper socket and take its token.</summary>
    private async Task<string> SignToken(object payload)
    {
        var helper = NewClient();
        await Js.Connect(helper);
        await Js.Invoke(helper, "login", new { token = payload });
        await Js.WaitFor(helper, "authenticate");
        var token = (await Js.Call("state", new { client = helper }))!["signedAuthToken"]!.GetValue<string>();
        await Js.Call("destroy", new { client = helper });
        return token;
    }

    // ---- MESSAGE (inboundRaw) ----

    [Fact]
    public async Task A_raw_message_can_be_replaced_or_dropped()
    {
        _fixture.Decide(MiddlewareType.InboundRaw, action =>
        {
            if (action.Message!.Contains("\"drop-me\"")) action.Block();
            else if (action.Message.Contains("\"replace-me\"")) action.Allow(action.Message.Replace("replace-me", "replaced"));
            else action.Allow();
            return Task.CompletedTask;
        });
        var c = NewClient();
        await Js.Connect(c);
        Assert.Equal("replaced", (await Js.Invoke(c, "echo", "replace-me"))!.GetValue<string>());
        var dropped = await Assert.ThrowsAsync<JsError>(() => Js.Invoke(c, "echo", "drop-me", ackTimeout: 300));
        Assert.Equal("TimeoutError", dropped.Name);
        Assert.Equal("kept", (await Js.Invoke(c, "echo", "kept"))!.GetValue<string>());
    }

    // ---- HANDSHAKE ----

    [Fact]
    public async Task A_blocked_websocket_handshake_is_refused_with_401()
    {
        On(MiddlewareType.Handshake, ActionType.HandshakeWs, a => a.Block(new AGError("NoEntryError", "no entry")));
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{_fixture.Server.Port}/socketcluster/");
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("no entry", await response.Content.ReadAsStringAsync());

        var c = NewClient();
        await Js.Create(c);
        await Js.WaitFor(c, "connectAbort");
    }

    [Fact]
    public async Task A_blocked_socketcluster_handshake_closes_with_the_error_status_code()
    {
        On(MiddlewareType.Handshake, ActionType.HandshakeSc, a => a.Block(new AGError("HandshakeRejectedError", "rejected",
            new Dictionary<string, object?> { ["statusCode"] = 4501 })));
        var c = NewClient();
        await Js.Create(c);
        var abort = await Js.WaitFor(c, "connectAbort");
        Assert.Equal(4501, abort.Data!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_socketcluster_handshake_blocked_without_status_code_closes_with_4008()
    {
        On(MiddlewareType.Handshake, ActionType.HandshakeSc, a => a.Block());
        var c = NewClient();
        await Js.Create(c);
        Assert.Equal(4008, (await Js.WaitFor(c, "connectAbort")).Data!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_delayed_handshake_for_one_client_does_not_delay_another()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fixture.Decide(MiddlewareType.Handshake, async action =>
        {
            if (action.Request.Query.ContainsKey("slow")) await release.Task;
            action.Allow();
        });
        var slow = NewClient();
        await Js.Create(slow, new { autoReconnect = false, query = new { slow = "1" } });
        var fast = NewClient();
        await Js.Connect(fast);
        Assert.Equal("fast", (await Js.Invoke(fast, "echo", "fast"))!.GetValue<string>());
        Assert.DoesNotContain(Js.Events(slow), e => e.Event == "connect");

        release.SetResult();
        await Js.WaitFor(slow, "connect");
    }

    // ---- PUBLISH_OUT ----

    [Fact]
    public async Task A_blocked_outbound_publish_is_dropped_for_that_socket_only()
    {
        var blockedId = "";
        _fixture.Decide(MiddlewareType.Outbound, action =>
        {
            if (action.Socket!.Id == blockedId) action.Block();
            else action.Allow();
            return Task.CompletedTask;
        });
        var blocked = NewClient();
        var open = NewClient();
        blockedId = (await Js.Connect(blocked))["id"]!.GetValue<string>();
        await Js.Connect(open);
        await Js.Call("subscribe", new { client = blocked, channel = "out" });
        await Js.Call("subscribe", new { client = open, channel = "out" });
        await Js.Call("invokePublish", new { client = open, channel = "out", data = "first" });
        await Js.WaitFor(open, "channel:out");
        // A later message on another channel the blocked socket receives proves the first was dropped, not late.
        await Js.Call("subscribe", new { client = blocked, channel = "marker-out" });
        _fixture.Decide(MiddlewareType.Outbound, null);
        await Js.Call("invokePublish", new { client = open, channel = "marker-out", data = "m" });
        await Js.WaitFor(blocked, "channel:marker-out");
        Assert.DoesNotContain(Js.Events(blocked), e => e.Event == "channel:out");
    }

    [Fact]
    public async Task An_outbound_publish_can_be_rewritten_per_socket_after_a_delay()
    {
        _fixture.Decide(MiddlewareType.Outbound, async action =>
        {
            await Task.Delay(50);
            action.Allow(new { forSocket = action.Socket!.Id, original = action.Data });
        });
        var c = NewClient();
        var id = (await Js.Connect(c))["id"]!.GetValue<string>();
        await Js.Call("subscribe", new { client = c, channel = "personal" });
        await Js.Call("publishMany", new { client = c, channel = "personal", count = 5 });
        var received = await Js.WaitForCount(c, "channel:personal", 5);
        Assert.All(received, e => Assert.Equal(id, e.Data!["forSocket"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(0, 5), received.Select(e => e.Data!["original"]!["n"]!.GetValue<int>()));
    }

    // ---- more outcomes per action type ----

    [Fact]
    public async Task A_publish_blocked_silently_fails_with_SilentMiddlewareBlockedError()
    {
        On(MiddlewareType.Inbound, ActionType.PublishIn, a => a.Block(new AGError("Hidden", "hidden") { Silent = true }));
        var c = NewClient();
        await Js.Connect(c);
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Call("invokePublish", new { client = c, channel = "quiet", data = 1 }));
        Assert.Equal("SilentMiddlewareBlockedError", error.Name);
    }

    [Fact]
    public async Task A_subscribe_blocked_after_a_delay_fails_and_later_packets_still_run_in_order()
    {
        On(MiddlewareType.Inbound, ActionType.Subscribe, a => a.Block(Refusal()), delayMs: 200);
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "late-no", options = new { noWait = true } });
        var echo = await Js.Invoke(c, "echo", "after");
        Assert.Equal("after", echo!.GetValue<string>());
        Assert.Equal("RefusedError", (await Js.WaitFor(c, "subscribeFail")).Data!["error"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_authenticate_blocked_with_no_error_reports_a_silent_block()
    {
        On(MiddlewareType.Inbound, ActionType.Authenticate, a => a.Block());
        var c = NewClient();
        await Js.Connect(c);
        var result = (await Js.Call("authenticate", new { client = c, token = await SignToken(new { user = "s" }) }))!;
        Assert.False(result["isAuthenticated"]!.GetValue<bool>());
        Assert.Equal("SilentMiddlewareBlockedError", result["authError"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_raw_message_decision_can_be_delayed_and_order_holds()
    {
        _fixture.Decide(MiddlewareType.InboundRaw, async action =>
        {
            await Task.Delay(30);
            action.Allow();
        });
        var c = NewClient();
        await Js.Connect(c);
        var results = (await Js.Call("invokeMany", new { client = c, procedure = "echo", count = 5 }))!.AsArray();
        Assert.Equal(Enumerable.Range(0, 5), results.Select(r => r!.GetValue<int>()));
    }

    [Fact]
    public async Task An_outbound_publish_blocked_with_an_error_is_not_delivered_and_is_emitted_as_a_warning()
    {
        var server = _fixture.Server.Server;
        var warning = server.Listener(ServerEvents.Warning).Where(w => w is AGError { Name: "OutboundRefusedError" })
            .RunWith(Sink.First<Exception>(), server.Materializer);
        _fixture.Decide(MiddlewareType.Outbound, action =>
        {
            if (action.Channel == "refused-out") action.Block(new AGError("OutboundRefusedError", "not for you"));
            else action.Allow();
            return Task.CompletedTask;
        });
        var c = NewClient();
        await Js.Connect(c);
        await Js.Call("subscribe", new { client = c, channel = "refused-out" });
        await Js.Call("subscribe", new { client = c, channel = "allowed-out" });
        await Js.Call("invokePublish", new { client = c, channel = "refused-out", data = 1 });
        await Js.Call("invokePublish", new { client = c, channel = "allowed-out", data = 2 });
        await Js.WaitFor(c, "channel:allowed-out");
        await warning.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(Js.Events(c), e => e.Event == "channel:refused-out");
    }
}
