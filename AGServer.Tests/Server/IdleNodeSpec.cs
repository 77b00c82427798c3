using AGServer.Server;
using AGServer.Server.Internal;
using AGServer.Testing;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>What an idle node keeps awake: no timer of its own runs for sockets or limits it does not have.</summary>
public sealed class IdleNodeSpec : AGServerTestKit
{
    [Fact]
    public async Task The_keep_alive_wheel_ticks_only_while_the_node_has_sockets()
    {
        var server = await StartServerAsync();
        var wheel = server.KeepAlive!;
        Assert.False(wheel.IsTicking);
        var first = await ConnectAsync(server);
        var second = await ConnectAsync(server);
        Assert.True(wheel.IsTicking);
        await first.DisposeAsync();
        await AwaitConditionAsync(() => Task.FromResult(wheel.Count == 1));
        Assert.True(wheel.IsTicking);
        await second.DisposeAsync();
        await AwaitConditionAsync(() => Task.FromResult(!wheel.IsTicking));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public async Task A_rate_limit_bucket_refills_from_the_time_elapsed_with_no_timer()
    {
        var rule = new RateLimitRule("invoke:*", new RateLimit { PerSecond = 100, Burst = 5 });
        using var bucket = rule.NewBucket();
        for (var i = 0; i < 5; i++) Assert.True(rule.TryAcquire(bucket));
        Assert.False(rule.TryAcquire(bucket));
        // 100 per second: a token is back after 10 ms, all five after 50 (taken from, it refills; nothing ticks).
        await Task.Delay(rule.WaitFor(5));
        for (var i = 0; i < 5; i++) Assert.True(rule.TryAcquire(bucket));
        Assert.False(rule.TryAcquire(bucket));
    }
}
