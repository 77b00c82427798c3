using System.Diagnostics;
using AGServer.Tests.Support;
using Akka.Streams.Dsl;
using Xunit;

namespace AGServer.Tests.Containment;

/// <summary>
/// CONFORMANCE.md's "application code written the plain way", with the real client: handlers that throw, middleware
/// that fails, per-socket procedures set up in the connection listener. Each failure costs only what it was handling.
/// </summary>
public sealed class PlainApplicationCodeSpec(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private JsClients Js => fixture.Js;

    [Theory]
    [InlineData("fragile")]
    [InlineData("fragileAsync")]
    public async Task A_throwing_handler_answers_that_request_with_an_error_and_keeps_serving_every_socket(string procedure)
    {
        await Js.Connect($"{procedure}-a");
        await Js.Connect($"{procedure}-b");
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<JsError>(() => Js.Invoke($"{procedure}-a", procedure, new { }));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the error took {watch.Elapsed}");
        Assert.Equal("ServerError", error.Name);
        // The exception's own message does not leak by default.
        Assert.DoesNotContain("KeyNotFound", error.Error["message"]!.GetValue<string>());

        Assert.Equal(6, (await Js.Invoke($"{procedure}-a", procedure, new { n = 3 }))!.GetValue<int>());
        Assert.Equal(8, (await Js.Invoke($"{procedure}-b", procedure, new { n = 4 }))!.GetValue<int>());
        await Assert.ThrowsAsync<JsError>(() => Js.Invoke($"{procedure}-b", procedure, "not an object"));
        Assert.Equal(10, (await Js.Invoke($"{procedure}-b", procedure, new { n = 5 }))!.GetValue<int>());
    }

    [Fact]
    public async Task A_throwing_handler_is_reported_as_a_server_error_event()
    {
        var errors = new List<Exception>();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var observing = fixture.Server.Server.ObserveEvents(any =>
        {
            if (any.Event is not KeyNotFoundException e) return;
            lock (errors) errors.Add(e);
            seen.TrySetResult();
        });
        await Js.Connect("fragile-event");
        await Assert.ThrowsAsync<JsError>(() => Js.Invoke("fragile-event", "fragile", new { m = 1 }));
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_middleware_that_throws_before_deciding_blocks_and_the_socket_keeps_working()
    {
        await Js.Connect("boom");
        await Js.Call("subscribe", new { client = "boom", channel = "fragile/boom", options = new { noWait = true } });
        var failed = await Js.WaitFor("boom", "subscribeFail", e => e.Data!["channel"]!.GetValue<string>() == "fragile/boom", TimeSpan.FromSeconds(2));
        Assert.Equal("MiddlewareFailedError", failed.Data!["error"]!["name"]!.GetValue<string>());
        Assert.Equal("x", (await Js.Invoke("boom", "echo", "x"))!.GetValue<string>());
        // The middleware still decides: an unauthenticated subscribe to another fragile/ channel is refused.
        await Js.Call("subscribe", new { client = "boom", channel = "fragile/other", options = new { noWait = true } });
        var refused = await Js.WaitFor("boom", "subscribeFail", e => e.Data!["channel"]!.GetValue<string>() == "fragile/other");
        Assert.Equal("PrivateChannelError", refused.Data!["error"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_middleware_that_throws_after_allowing_never_lets_later_actions_through_unchecked()
    {
        await Js.Connect("late");
        Assert.Equal("subscribed", (await Js.Call("subscribe", new { client = "late", channel = "fragile/late" }))!.GetValue<string>());
        await Js.Call("subscribe", new { client = "late", channel = "fragile/secret", options = new { noWait = true } });
        var refused = await Js.WaitFor("late", "subscribeFail", e => e.Data!["channel"]!.GetValue<string>() == "fragile/secret");
        Assert.Equal("PrivateChannelError", refused.Data!["error"]!["name"]!.GetValue<string>());
        Assert.Equal("y", (await Js.Invoke("late", "echo", "y"))!.GetValue<string>());
    }

    [Fact]
    public async Task A_per_socket_procedure_set_up_in_the_connection_listener_answers_invokes_sent_right_after_the_handshake()
    {
        // 100 clients each fire 100 invokes before their handshake completes: the client sends them right after it.
        var runs = Enumerable.Range(0, 100).Select(i => Js.Call("connectAndInvoke",
            new { client = $"hello{i}", port = Js.Port, procedure = "hello", count = 100 }, TimeSpan.FromSeconds(60))).ToList();
        var results = await Task.WhenAll(runs);
        var answered = results.Sum(r => r!["answered"]!.GetValue<int>());
        var firstError = results.Select(r => r!["firstError"]).FirstOrDefault(e => e is not null);
        Assert.True(answered == 10_000, $"{10_000 - answered} of 10000 invokes were not answered; first error: {firstError?.ToJsonString()}");
        Assert.Equal("hi", results[0]!["values"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Packets_wait_for_a_per_socket_procedure_that_a_busy_listener_sets_up_late()
    {
        var server = fixture.Server.Server;
        // A connection listener that takes 300 ms before it sets up the socket's procedure, as on a loaded node.
        _ = server.Listener(global::AGServer.Server.ServerEvents.Connection).RunForeach(connection =>
            _ = Task.Delay(300).ContinueWith(_ =>
                connection.Socket.Procedure("lateHello").RunForeach(request => request.End("late hi"), server.Materializer), TaskScheduler.Default),
            server.Materializer);
        var result = await Js.Call("connectAndInvoke", new { client = "lateHello", port = Js.Port, procedure = "lateHello", count = 20 });
        Assert.Equal(20, result!["answered"]!.GetValue<int>());
        Assert.Equal("late hi", result["values"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task The_events_procedure_sees_the_handshake_and_connection_of_a_socket_that_asks_at_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Js.Call("connectAndInvoke",
            new { client = $"ev{i}", port = Js.Port, procedure = "events", count = 1 }, TimeSpan.FromSeconds(60))));
        foreach (var result in results)
        {
            var events = result!["values"]![0]!.AsArray().Select(e => e!["event"]!.GetValue<string>()).ToList();
            Assert.Equal(["handshake", "connection"], events.Take(2));
        }
    }
}
