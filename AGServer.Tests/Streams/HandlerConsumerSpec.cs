using System.Collections.Concurrent;
using AGServer.Streams;
using AGServer.Streams.Internal;
using Xunit;

namespace AGServer.Tests.Streams;

/// <summary>The stream-less consumer under per-socket handlers: its concurrency bound, its order, and how it ends.</summary>
public sealed class HandlerConsumerSpec : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task Items_emitted_from_many_threads_are_each_served_once_never_more_than_the_bound_at_a_time()
    {
        var stream = new EventStream<int>("many");
        var served = new ConcurrentBag<int>();
        int running = 0, most = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new HandlerConsumer<int>(stream, async item =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await Task.Delay(1);
            Interlocked.Decrement(ref running);
            served.Add(item);
            if (served.Count == 400) all.TrySetResult();
        }, maxConcurrency: 3).Start();
        await AwaitConditionAsync(() => Task.FromResult(stream.HasConsumers));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++) stream.Emit(t * 100 + i);
        })));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(Enumerable.Range(0, 400), served.Order());
        Assert.InRange(most, 1, 3);
    }

    [Fact]
    public async Task A_handler_that_blocks_its_thread_does_not_hold_up_the_next_item()
    {
        // The pump serves the last item it takes on its own thread: only once it has let go, so an item arriving
        // while that handler blocks starts another pump instead of waiting behind it.
        var stream = new EventStream<int>("blocking");
        var firstStarted = new ManualResetEventSlim();
        var secondServed = new ManualResetEventSlim();
        var firstSawSecond = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        new HandlerConsumer<int>(stream, item =>
        {
            if (item == 1)
            {
                firstStarted.Set();
                firstSawSecond.TrySetResult(secondServed.Wait(TimeSpan.FromSeconds(10)));
            }
            else secondServed.Set();
            return Task.CompletedTask;
        }, maxConcurrency: 2).Start();
        await AwaitConditionAsync(() => Task.FromResult(stream.HasConsumers));

        stream.Emit(1);
        Assert.True(firstStarted.Wait(TimeSpan.FromSeconds(10)));
        stream.Emit(2);

        Assert.True(await firstSawSecond.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task In_lanes_at_the_bound_every_item_is_served_once_each_lane_in_order()
    {
        // Items finishing at the bound, some synchronously and some not, are what let the pump go on.
        var stream = new EventStream<(int Lane, int Seq)>("lanes");
        var served = new ConcurrentDictionary<int, List<int>>();
        int running = 0, most = 0, count = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new HandlerConsumer<(int Lane, int Seq)>(stream, async item =>
        {
            InterlockedMax(ref most, Interlocked.Increment(ref running));
            if (item.Seq % 3 == 0) await Task.Yield();
            Interlocked.Decrement(ref running);
            var lane = served.GetOrAdd(item.Lane, _ => []);
            lock (lane) lane.Add(item.Seq);
            if (Interlocked.Increment(ref count) == 800) all.TrySetResult();
        }, maxConcurrency: 3, laneOf: item => item.Lane.ToString()).Start();
        await AwaitConditionAsync(() => Task.FromResult(stream.HasConsumers));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(lane => Task.Run(() =>
        {
            for (var seq = 0; seq < 200; seq++) stream.Emit((lane, seq));
        })));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.All(Enumerable.Range(0, 4), lane => Assert.Equal(Enumerable.Range(0, 200), served[lane]));
        Assert.InRange(most, 1, 3);
    }

    [Fact]
    public async Task With_a_bound_of_one_items_are_served_in_emit_order_one_at_a_time()
    {
        var stream = new EventStream<int>("ordered");
        var served = new List<int>();
        var overlapped = false;
        var busy = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new HandlerConsumer<int>(stream, async item =>
        {
            if (Interlocked.Exchange(ref busy, 1) == 1) overlapped = true;
            if (item % 7 == 0) await Task.Yield();   // some complete asynchronously, some synchronously
            lock (served) served.Add(item);
            Volatile.Write(ref busy, 0);
            if (item == 199) all.TrySetResult();
        }, maxConcurrency: 1).Start();
        await AwaitConditionAsync(() => Task.FromResult(stream.HasConsumers));

        for (var i = 0; i < 200; i++) stream.Emit(i);
        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(overlapped);
        Assert.Equal(Enumerable.Range(0, 200), served);
    }

    [Fact]
    public async Task Closing_serves_what_was_queued_then_detaches_and_killing_drops_it()
    {
        var closed = new EventStream<int>("closed");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var served = new ConcurrentQueue<int>();
        new HandlerConsumer<int>(closed, async item =>
        {
            await gate.Task;
            served.Enqueue(item);
        }, maxConcurrency: 1).Start();
        await AwaitConditionAsync(() => Task.FromResult(closed.HasConsumers));
        for (var i = 0; i < 3; i++) closed.Emit(i);
        await AwaitConditionAsync(() => Task.FromResult(closed.Backpressure == 2));   // one running, two queued
        closed.Close();
        gate.SetResult();
        await AwaitConditionAsync(() => Task.FromResult(served.Count == 3));
        Assert.Equal(new[] { 0, 1, 2 }, served);
        Assert.False(closed.HasConsumers);

        var killed = new EventStream<int>("killed");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentQueue<int>();
        new HandlerConsumer<int>(killed, async item =>
        {
            started.Enqueue(item);
            await hold.Task;
        }, maxConcurrency: 1).Start();
        await AwaitConditionAsync(() => Task.FromResult(killed.HasConsumers));
        for (var i = 0; i < 3; i++) killed.Emit(i);
        await AwaitConditionAsync(() => Task.FromResult(started.Count == 1));
        killed.Kill();
        hold.SetResult();
        killed.Emit(3);
        Assert.False(killed.HasConsumers);
        Assert.Equal(0, killed.Backpressure);
        Assert.Equal(new[] { 0 }, started);   // 1 and 2 were dropped from the queue by the kill, before the gate opened
    }

    [Fact]
    public void On_an_ended_stream_it_never_attaches()
    {
        var stream = new EventStream<int>("ended");
        ((IEventStream)stream).End(kill: false);
        var calls = 0;
        new HandlerConsumer<int>(stream, _ =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }, maxConcurrency: 1).Start();

        stream.Emit(1);
        Assert.False(stream.HasConsumers);
        Assert.False(stream.HadConsumer);
        Assert.Equal(0, calls);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    /// <summary>A socket's item: counts when it is given back (taken or dropped).</summary>
    private sealed class Item : IInboundItem
    {
        public static int Released;

        public bool IsStale => false;

        public void Taken() => Interlocked.Increment(ref Released);
    }

    [Fact]
    public async Task An_item_emitted_while_its_consumer_is_killed_is_always_given_back()
    {
        Item.Released = 0;
        const int rounds = 3000;
        for (var round = 0; round < rounds; round++)
        {
            var stream = new EventStream<Item>("racing");
            var consumer = stream.NewConsumer();
            stream.Attach(consumer);
            using var start = new Barrier(2);
            var emit = Task.Run(() =>
            {
                start.SignalAndWait();
                var item = new Item();
                if (!stream.Emit(item)) item.Taken();   // no consumer any more: the emitter's to give back

            });
            start.SignalAndWait();
            stream.Kill();
            await emit;
        }
        // Nothing consumes: every item was refused at the door or dropped by the kill; none may be left behind.
        Assert.Equal(rounds, Volatile.Read(ref Item.Released));
    }
}
