using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>The real socketcluster-client against the Conformance app: connect, invoke, transmit, server invoke, disconnect.</summary>
public sealed class RpcSpec(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private JsClients Js => fixture.Js;

    [Fact]
    public async Task The_client_connects_and_gets_an_id()
    {
        var state = await Js.Connect("connects");
        Assert.Equal("open", state["state"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(state["id"]!.GetValue<string>()));
        Assert.True(fixture.Server.Server.Clients.ContainsKey(state["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Echo_returns_the_same_data()
    {
        await Js.Connect("echo");
        var data = new { text = "héllo ✓", number = 1.5, list = new object?[] { 1, "two", null, true }, nested = new { deep = new { x = 1 } } };
        var result = await Js.Invoke("echo", "echo", data);
        Assert.True(JsonNode.DeepEquals(JsonSerializer(data), result));
        Assert.Equal("plain", (await Js.Invoke("echo", "echo", "plain"))!.GetValue<string>());
    }

    [Fact]
    public async Task Error_arrives_with_its_name_message_and_extra_properties()
    {
        await Js.Connect("error");
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke("error", "error", new { why = "test" }));
        Assert.Equal("CustomError", error.Name);
        Assert.Equal("Custom error", error.Error["message"]!.GetValue<string>());
        Assert.Equal(4321, error.Error["code"]!.GetValue<int>());
        Assert.Equal("test", error.Error["data"]!["why"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_misspelt_procedure_is_answered_with_UnknownProcedureError_well_before_the_ack_timeout()
    {
        await Js.Connect("misspelt");
        // Right after the handshake it waits out the handler setup time (1 s), then it is answered; later at once.
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke("misspelt", "ehco", "hi", ackTimeout: 4000));
            Assert.Equal("UnknownProcedureError", error.Name);
        }
        Assert.Equal("hi", (await Js.Invoke("misspelt", "echo", "hi"))!.GetValue<string>());
    }

    [Fact]
    public async Task Transmits_go_both_ways()
    {
        await Js.Connect("transmit");
        await Js.Call("receiver", new { client = "transmit", receiver = "echoTransmit" });
        await Js.Transmit("transmit", "echoTransmit", new { ping = 1 });
        var echoed = await Js.WaitFor("transmit", "receiver:echoTransmit");
        Assert.Equal(1, echoed.Data!["ping"]!.GetValue<int>());
    }

    [Fact]
    public async Task TransmitBack_sends_the_transmit_before_the_response()
    {
        await Js.Connect("transmitBack");
        await Js.Call("receiver", new { client = "transmitBack", receiver = "news" });
        await Js.Invoke("transmitBack", "transmitBack", new { @event = "news", data = "fresh" });
        // The transmit was written before the response, so it is already recorded or arrives next.
        var news = await Js.WaitFor("transmitBack", "receiver:news");
        Assert.Equal("fresh", news.Data!.GetValue<string>());
    }

    [Fact]
    public async Task A_server_invoke_gets_the_client_result()
    {
        await Js.Connect("invokeBack");
        await Js.Call("procedure", new { client = "invokeBack", procedure = "double", reply = "echo" });
        var result = await Js.Invoke("invokeBack", "invokeBack", new { procedure = "double", data = new { v = 21 } });
        Assert.Equal(21, result!["v"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_server_invoke_gets_the_client_error()
    {
        await Js.Connect("invokeBackError");
        await Js.Call("procedure", new { client = "invokeBackError", procedure = "refuse", reply = "error" });
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke("invokeBackError", "invokeBack", new { procedure = "refuse" }));
        Assert.Equal("ClientRefusedError", error.Name);
        Assert.Equal("Client refused", error.Error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_server_invoke_the_client_ignores_times_out()
    {
        await Js.Connect("invokeBackTimeout");
        await Js.Call("procedure", new { client = "invokeBackTimeout", procedure = "ignored", reply = "ignore" });
        var error = await Assert.ThrowsAsync<JsError>(() =>
            Js.Invoke("invokeBackTimeout", "invokeBack", new { procedure = "ignored", ackTimeout = 200 }));
        Assert.Equal("TimeoutError", error.Name);
    }

    [Fact]
    public async Task Disconnect_reaches_the_client_with_its_code_and_reason()
    {
        await Js.Connect("disconnect");
        _ = Js.Invoke("disconnect", "disconnect", new { code = 4444, reason = "go away" }).ContinueWith(_ => { });
        var disconnect = await Js.WaitFor("disconnect", "disconnect");
        Assert.Equal(4444, disconnect.Data!["code"]!.GetValue<int>());
        Assert.Equal("go away", disconnect.Data!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delay_does_not_hold_up_the_socket_other_requests()
    {
        await Js.Connect("delay");
        var slow = Js.Invoke("delay", "delay", new { ms = 1500, value = "slow" });
        var fast = await Js.Invoke("delay", "echo", "fast");
        Assert.Equal("fast", fast!.GetValue<string>());
        Assert.False(slow.IsCompleted);
        Assert.Equal("slow", (await slow)!.GetValue<string>());
    }

    [Fact]
    public async Task Stats_counts_this_node_clients()
    {
        await Js.Connect("stats");
        var stats = await Js.Invoke("stats", "stats");
        Assert.True(stats!["clientsCount"]!.GetValue<int>() >= 1);
        Assert.Equal(fixture.Server.Server.PendingClientsCount, stats["pendingClientsCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Two_hundred_clients_each_invoking_right_after_connect_all_get_answers()
    {
        var results = (await Js.Call("burst", new { port = Js.Port, count = 200, procedure = "echo", prefix = "burst" }, TimeSpan.FromSeconds(60)))!.AsArray();
        Assert.Equal(200, results.Count);
        for (var i = 0; i < results.Count; i++) Assert.Equal(i, results[i]!["i"]!.GetValue<int>());
    }

    private static JsonNode JsonSerializer(object value) => System.Text.Json.JsonSerializer.SerializeToNode(value)!;
}
