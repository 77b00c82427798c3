using System.Text.Json.Nodes;
using AGServer.Tests.Support;
using Xunit;

namespace AGServer.Tests.EndToEnd;

/// <summary>The Conformance app's <c>events</c> procedure: a socket's server events, in order, kept after it closed.</summary>
public sealed class EventsSpec(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private JsClients Js => fixture.Js;

    private static IEnumerable<string> Names(JsonNode? events) => events!.AsArray().Select(e => e!["event"]!.GetValue<string>());

    [Fact]
    public async Task A_socket_sees_its_events_and_another_socket_sees_them_after_it_closed()
    {
        var id = (await Js.Connect("recorded"))["id"]!.GetValue<string>();
        await Js.Invoke("recorded", "login", new { token = new { user = "r" } });
        await Js.Call("subscribe", new { client = "recorded", channel = "ev" });
        var own = await Js.Invoke("recorded", "events");
        Assert.Equal(["handshake", "connection", "authenticationStateChange", "authentication", "subscription"], Names(own));
        Assert.Equal("unauthenticated", own!.AsArray()[2]!["oldAuthState"]!.GetValue<string>());
        Assert.Equal("ev", own.AsArray()[4]!["channel"]!.GetValue<string>());
        Assert.False(own.AsArray()[1]!["isAuthenticated"]!.GetValue<bool>());

        await Js.Call("disconnect", new { client = "recorded", code = 4777 });
        await Js.Connect("reader");
        JsonNode? after = null;
        for (var tries = 0; tries < 100 && !Names(after ?? new JsonArray()).Contains("closure"); tries++)
            after = await Js.Invoke("reader", "events", new { socketId = id });
        Assert.Equal(
            ["handshake", "connection", "authenticationStateChange", "authentication", "subscription", "disconnection", "closure", "unsubscription"],
            Names(after));
        Assert.Equal(4777, after!.AsArray()[5]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_bad_token_is_recorded_with_its_error()
    {
        await Js.Connect("badToken");
        await Assert.ThrowsAsync<JsError>(() => Js.Call("authenticate", new { client = "badToken", token = "x.y.z" }));
        var events = (await Js.Invoke("badToken", "events"))!.AsArray();
        var bad = events.Single(e => e!["event"]!.GetValue<string>() == "badSocketAuthToken");
        Assert.Equal("AuthTokenInvalidError", bad!["authError"]!["name"]!.GetValue<string>());
    }
}
