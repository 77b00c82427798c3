using Akka.Streams;
using Akka.Streams.Dsl;
using AGServer.Streams;
using Xunit;

namespace AGServer.Tests.Streams;

public sealed class EventStreamSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly IMaterializer _materializer;

    public EventStreamSpec() => _materializer = Sys.Materializer();

    [Fact]
    public async Task Every_consumer_sees_every_item_emitted_after_it_started()
    {
        var stream = new EventStream<int>("numbers");
        stream.Emit(-1); // nobody listens: dropped
        var first = stream.Source.Take(3).RunWith(Sink.Seq<int>(), _materializer);
        var second = stream.Source.Take(3).RunWith(Sink.Seq<int>(), _materializer);
        for (var i = 0; i < 3; i++) stream.Emit(i);

        Assert.Equal([0, 1, 2], await first.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal([0, 1, 2], await second.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_slow_consumer_shows_its_backlog_as_backpressure()
    {
        var stream = new EventStream<int>("slow");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = stream.Source.SelectAsync(1, async i =>
        {
            await gate.Task;
            return i;
        }).Take(10).RunWith(Sink.Seq<int>(), _materializer);
        for (var i = 0; i < 10; i++) stream.Emit(i);

        // The first item is taken by the stalled stage; at most a few more are buffered inside the graph.
        await AwaitConditionAsync(() => Task.FromResult(stream.Backpressure > 0));
        var stats = Assert.Single(stream.ConsumerStats);
        Assert.InRange(stats.Backpressure, 1, 10);
        Assert.Equal("slow", stats.Stream);

        gate.SetResult();
        Assert.Equal(Enumerable.Range(0, 10), await done.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, stream.Backpressure);
    }

    [Fact]
    public async Task Close_lets_consumers_finish_their_backlog()
    {
        var stream = new EventStream<int>("close");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = stream.Source.SelectAsync(1, async i =>
        {
            await gate.Task;
            return i;
        }).RunWith(Sink.Seq<int>(), _materializer);
        for (var i = 0; i < 5; i++) stream.Emit(i);
        stream.Close();
        stream.Emit(99); // after close: not delivered to the closed consumer
        gate.SetResult();

        Assert.Equal([0, 1, 2, 3, 4], await done.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Kill_ends_consumers_at_once_and_resets_backpressure()
    {
        var stream = new EventStream<int>("kill");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<int>();
        var done = stream.Source.SelectAsync(1, async i =>
        {
            await gate.Task;
            return i;
        }).RunForeach(i => seen.Add(i), _materializer);
        for (var i = 0; i < 100; i++) stream.Emit(i);
        await AwaitConditionAsync(() => Task.FromResult(stream.Backpressure > 50));

        stream.Kill();
        Assert.Equal(0, stream.Backpressure);
        Assert.False(stream.HasConsumers);
        gate.SetResult();
        await done.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(seen.Count < 100, $"kill should drop the backlog, saw {seen.Count}");
    }

    [Fact]
    public async Task Killing_one_consumer_leaves_the_others_running()
    {
        var stream = new EventStream<int>("consumers");
        var killed = stream.Source.RunWith(Sink.Ignore<int>(), _materializer);
        var kept = stream.Source.Take(1).RunWith(Sink.First<int>(), _materializer);
        var ids = stream.ConsumerStats.Select(s => s.Id).ToArray();
        Assert.Equal(2, ids.Length);

        Assert.True(stream.KillConsumer(ids[0]));
        await killed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(stream.HasConsumer(ids[0]));
        Assert.True(stream.HasConsumer(ids[1]));
        stream.Emit(7);
        Assert.Equal(7, await kept.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_consumer_that_stops_is_detached()
    {
        var stream = new EventStream<int>("detach");
        var first = stream.Source.Take(1).RunWith(Sink.First<int>(), _materializer);
        stream.Emit(1);
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        await AwaitConditionAsync(() => Task.FromResult(!stream.HasConsumers));
    }

    [Fact]
    public void A_stream_group_creates_streams_on_first_use_and_refuses_another_item_type()
    {
        var group = new StreamGroup();
        var stream = group.Stream<int>("a");
        Assert.Same(stream, group.Stream<int>("a"));
        Assert.Throws<InvalidOperationException>(() => group.Stream<string>("a"));
        group.Emit("b", 1); // no stream, no consumer: nothing happens
        Assert.Equal(0, group.GetBackpressureAll());
    }

    [Fact]
    public async Task A_stream_group_made_from_many_threads_has_one_stream_per_name_past_its_index_size()
    {
        var group = new StreamGroup();
        var names = Enumerable.Range(0, 40).Select(i => $"s{i}").ToArray();
        // Four threads ask for the same forty names at once: each name must get exactly one stream, whoever made it.
        var seen = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => names.Select(group.Stream<int>).ToArray())));
        for (var i = 0; i < names.Length; i++)
        {
            var first = seen[0][i];
            Assert.Equal(names[i], first.Name);
            Assert.All(seen, made => Assert.Same(first, made[i]));
            Assert.Same(first, group.Stream<int>(names[i]));
        }
        // Emits find every stream, below and above the size at which the group indexes its names.
        var taken = names.Select(n => group.Stream<int>(n).Source.Take(1).RunWith(Sink.First<int>(), _materializer)).ToArray();
        await AwaitConditionAsync(() => Task.FromResult(names.All(group.HasConsumers)));
        for (var i = 0; i < names.Length; i++) group.Emit(names[i], i);
        Assert.Equal(Enumerable.Range(0, 40), await Task.WhenAll(taken).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_ended_group_ends_consumers_that_come_later_where_kill_all_does_not()
    {
        var group = new StreamGroup();
        var existing = group.Stream<int>("existing");
        var killedOnly = new StreamGroup();
        killedOnly.KillAll();
        var stillOpen = killedOnly.Stream<int>("a").Source.Take(1).RunWith(Sink.First<int>(), _materializer);
        killedOnly.Emit("a", 7);
        Assert.Equal(7, await stillOpen.WaitAsync(TimeSpan.FromSeconds(5)));

        group.End(kill: true);
        var late = existing.Source.RunWith(Sink.Seq<int>(), _materializer);
        var lateNew = group.Stream<int>("new").Source.RunWith(Sink.Seq<int>(), _materializer);
        Assert.Empty(await late.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(await lateNew.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(existing.HasConsumers);
    }
}
