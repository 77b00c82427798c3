using AGServer.Client;
using AGServer.Protocol;
using AGServer.Server;
using AGServer.Sockets;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>Rate limits per socket, by action and name: each policy, from a client's side.</summary>
public sealed class RateLimitSpec : AGServerTestKit
{
    private async Task<SocketClusterServer> StartWith(Action<RateLimits> limits, bool dryRun = false)
    {
        var server = await StartServerAsync(o =>
        {
            limits(o.RateLimits);
            o.RateLimits.DryRun = dryRun;
        });
        server.MapProcedure("echo", (int n) => n);
        server.MapProcedure("free", (int n) => n);
        return server;
    }

    // A slow refill (one token per second at most), so that a burst within the test always meets an empty bucket.
    private static RateLimit Slow(RateLimitPolicy policy = RateLimitPolicy.Reject, int burst = 2) =>
        new() { PerSecond = 1, Burst = burst, Policy = policy, DisconnectAfter = 2 };

    [Fact]
    public async Task Over_its_limit_a_socket_gets_RateLimitedError_other_names_and_sockets_go_on()
    {
        await StartWith(l => l.Invoke["echo"] = Slow());
        await using var client = await ConnectAsync();
        await using var other = await ConnectAsync();

        Assert.Equal(1, await client.InvokeAsync<int>("echo", 1));
        Assert.Equal(2, await client.InvokeAsync<int>("echo", 2));
        var limited = await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("echo", 3));
        Assert.Equal("RateLimitedError", limited.Name);
        Assert.Equal("invoke:echo", limited.Error!.Value.GetProperty("limit").GetString());
        Assert.Equal(4, await client.InvokeAsync<int>("free", 4));     // another procedure: no limit
        Assert.Equal(5, await other.InvokeAsync<int>("echo", 5));      // another socket: its own bucket
    }

    [Fact]
    public async Task The_longest_pattern_wins_and_transmits_over_the_limit_are_dropped()
    {
        var server = await StartWith(l =>
        {
            l.Transmit["*"] = Slow(burst: 1);
            l.Transmit["chat/*"] = Slow(burst: 3);
        });
        var got = System.Threading.Channels.Channel.CreateUnbounded<int>();
        server.MapReceiver("chat/lobby", (int n) => got.Writer.TryWrite(n));
        await using var client = await ConnectAsync();

        var dropped = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "agserver.ratelimit.exceeded") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var limit = tags.ToArray().FirstOrDefault(t => t.Key == "agserver.ratelimit.limit").Value as string;
            var outcome = tags.ToArray().FirstOrDefault(t => t.Key == "agserver.ratelimit.outcome").Value as string;
            if ((limit, outcome) == ("transmit:chat/*", "dropped")) Interlocked.Add(ref dropped, (int)value);
        });
        listener.Start();

        for (var i = 1; i <= 5; i++) await client.TransmitAsync("chat/lobby", i);
        Assert.Equal(0, await client.InvokeAsync<int>("free", 0));   // packets are processed in order: the five are past
        Assert.Equal(2, Volatile.Read(ref dropped));
        var received = new List<int>();
        for (var i = 0; i < 3; i++) received.Add(await got.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1, 2, 3], received);
    }

    [Fact]
    public async Task Slowed_down_a_socket_waits_for_its_tokens_and_loses_nothing()
    {
        await StartWith(l => l.Invoke["echo"] = new RateLimit { PerSecond = 20, Burst = 1, Policy = RateLimitPolicy.SlowDown });
        await using var client = await ConnectAsync();

        var answers = await Task.WhenAll(Enumerable.Range(1, 5).Select(i => client.InvokeAsync<int>("echo", i)));

        Assert.Equal([1, 2, 3, 4, 5], answers);
    }

    [Fact]
    public async Task A_socket_that_keeps_breaking_a_disconnect_limit_is_disconnected_with_1008()
    {
        await StartWith(l => l.Subscribe["*"] = Slow(RateLimitPolicy.Disconnect, burst: 1));
        await using var client = await ConnectAsync();

        await client.SubscribeAsync("a");
        Assert.Equal("RateLimitedError", (await Assert.ThrowsAsync<AGClientError>(() => client.SubscribeAsync("b"))).Name);
        _ = client.SubscribeAsync("c");
        Assert.Equal(CloseCodes.PolicyViolation, (await client.Closed.WaitAsync(TimeSpan.FromSeconds(10))).Code);
    }

    [Fact]
    public async Task A_dry_run_lets_everything_through()
    {
        await StartWith(l => l.Publish["*"] = Slow(burst: 1), dryRun: true);
        await using var client = await ConnectAsync();

        for (var i = 0; i < 4; i++) await client.PublishAsync("news", i);
    }

    [Fact]
    public async Task A_publish_costs_its_local_deliveries_against_the_fan_out_limit()
    {
        await StartWith(l => l.FanOut["*"] = Slow(burst: 100));
        var subscribers = new List<AGTestClient>();
        for (var i = 0; i < 60; i++)
        {
            var subscriber = await ConnectAsync();
            await subscriber.SubscribeAsync("wide");
            subscribers.Add(subscriber);
        }
        await using var publisher = await ConnectAsync();

        await publisher.PublishAsync("wide", 1);                          // 60 deliveries of 100
        var limited = await Assert.ThrowsAsync<AGClientError>(() => publisher.PublishAsync("wide", 2)); // 60 more: over
        Assert.Equal("fanout:*", limited.Error!.Value.GetProperty("limit").GetString());
        await publisher.PublishAsync("narrow", 3);                        // a channel nobody here subscribes costs 1
        Assert.Equal(1, (await subscribers[59].NextPublishAsync("wide")).GetInt32());
        foreach (var subscriber in subscribers) await subscriber.DisposeAsync();
    }

    [Fact]
    public async Task Limit_zero_lifts_a_pattern_under_a_wider_one()
    {
        await StartWith(l =>
        {
            l.Invoke["*"] = Slow(burst: 1);
            l.Invoke["free"] = new RateLimit { PerSecond = 0 };
        });
        await using var client = await ConnectAsync();

        for (var i = 0; i < 5; i++) Assert.Equal(i, await client.InvokeAsync<int>("free", i));
        Assert.Equal(1, await client.InvokeAsync<int>("echo", 1));
        Assert.Equal("RateLimitedError", (await Assert.ThrowsAsync<AGClientError>(() => client.InvokeAsync("echo", 2))).Name);
    }

    [Fact]
    public void A_public_server_limits_every_kind_by_default_and_slows_down_rather_than_refuses()
    {
        var limits = new AGServerOptions().RateLimits;

        Assert.Equal(
            [(RateLimits.DefaultInvokesPerSecond, RateLimitPolicy.SlowDown), (RateLimits.DefaultTransmitsPerSecond, RateLimitPolicy.SlowDown),
             (RateLimits.DefaultSubscribesPerSecond, RateLimitPolicy.SlowDown), (RateLimits.DefaultPublishesPerSecond, RateLimitPolicy.SlowDown),
             (RateLimits.DefaultFanOutPerSecond, RateLimitPolicy.SlowDown)],
            new[] { limits.Invoke, limits.Transmit, limits.Subscribe, limits.Publish, limits.FanOut }.Select(k => (k["*"].PerSecond, k["*"].Policy)));
        limits.Clear();
        Assert.Empty(limits.Invoke.Concat(limits.Transmit).Concat(limits.Subscribe).Concat(limits.Publish).Concat(limits.FanOut));
    }

    private sealed record Login(string User);

    [Fact]
    public async Task A_per_user_limit_is_one_budget_for_the_users_sockets_on_every_node()
    {
        // A burst of 4 for ann, wherever her sockets are; the refill (one a second) adds at most one within the test.
        var limit = new RateLimit { PerSecond = 1, Burst = 4, Policy = RateLimitPolicy.Reject, PerUser = true };
        var one = await StartWith(l => l.Invoke["echo"] = limit);
        var two = await StartNodeAsync(o => o.RateLimits.Invoke["echo"] = limit);
        two.MapProcedure("echo", (int n) => n);
        foreach (var node in Nodes)
            node.MapProcedure("login", (Login login, AGRequestContext context) =>
                context.Socket.SetAuthTokenAsync(new { sub = login.User }, cancellationToken: context.ConnectionClosed));
        await using var annOnOne = await ConnectAsync(one);
        await annOnOne.InvokeAsync("login", new { user = "ann" });
        await using var annOnTwo = await ConnectAsync(two);
        await annOnTwo.InvokeAsync("login", new { user = "ann" });
        await using var bobOnTwo = await ConnectAsync(two);
        await bobOnTwo.InvokeAsync("login", new { user = "bob" });

        for (var i = 0; i < 4; i++) Assert.Equal(i, await annOnOne.InvokeAsync<int>("echo", i));
        var acceptedOnTwo = 0;
        for (var i = 0; i < 4; i++)
        {
            try
            {
                await annOnTwo.InvokeAsync<int>("echo", i);
                acceptedOnTwo++;
            }
            catch (AGClientError error) when (error.Name == "RateLimitedError")
            {
                Assert.Equal("invoke:echo", error.Error!.Value.GetProperty("limit").GetString());
            }
        }
        Assert.InRange(acceptedOnTwo, 0, 1);                                 // per socket, it would have had 4
        for (var i = 0; i < 4; i++) Assert.Equal(i, await bobOnTwo.InvokeAsync<int>("echo", i)); // another user: a budget of his own
    }
}
