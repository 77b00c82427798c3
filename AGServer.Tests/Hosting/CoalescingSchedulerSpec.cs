using System.Collections.Concurrent;
using System.Diagnostics;
using AGServer.Hosting;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Xunit;

namespace AGServer.Tests.Hosting;

/// <summary>
/// The node's Akka scheduler: timers never fire early, cancelled ones never fire, repeating timers that once shared a
/// wake-up keep sharing it, and an idle scheduler wakes only when something is due.
/// </summary>
public sealed class CoalescingSchedulerSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string SchedulerConfig = """
        akka.scheduler.implementation = "AGServer.Hosting.CoalescingScheduler, AGServer"
        akka.scheduler.tick-duration = 100ms
        """;

    private readonly CoalescingScheduler _scheduler =
        new(ConfigurationFactory.ParseString(SchedulerConfig), NoLogger.Instance);

    public CoalescingSchedulerSpec() : base(SchedulerConfig)
    {
    }

    private static IAdvancedScheduler Advanced(CoalescingScheduler scheduler) => ((IScheduler)scheduler).Advanced;

    protected override void AfterAll()
    {
        _scheduler.Dispose();
        base.AfterAll();
    }

    [Fact]
    public async Task Timers_never_fire_before_their_delay_and_fire_in_the_order_they_fall_due()
    {
        var clock = Stopwatch.StartNew();
        var delays = new[] { 120, 0, 35, 250, 10, 80, 5, 160, 60, 1 };
        // Each timer's due time lies between the clock before its scheduling and after it, plus its delay.
        var earliest = new long[delays.Length];
        var latest = new long[delays.Length];
        var fired = new ConcurrentQueue<(int Timer, long At)>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < delays.Length; i++)
        {
            var timer = i;
            var delay = TimeSpan.FromMilliseconds(delays[i]);
            earliest[i] = clock.Elapsed.Ticks + delay.Ticks;
            Advanced(_scheduler).ScheduleOnce(delay, () =>
            {
                fired.Enqueue((timer, clock.Elapsed.Ticks));
                if (fired.Count == delays.Length) all.TrySetResult();
            });
            latest[i] = clock.Elapsed.Ticks + delay.Ticks;
        }
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var order = fired.Select(f => f.Timer).ToList();
        foreach (var (timer, at) in fired)
            Assert.True(at >= earliest[timer], $"the {delays[timer]} ms timer fired {TimeSpan.FromTicks(earliest[timer] - at)} early");
        for (var i = 0; i < delays.Length; i++)
        for (var j = 0; j < delays.Length; j++)
            if (latest[i] < earliest[j])
                Assert.True(order.IndexOf(i) < order.IndexOf(j), $"the {delays[j]} ms timer ran before the {delays[i]} ms one, due earlier");
    }

    [Fact]
    public async Task A_cancelled_timer_never_runs_and_the_ones_after_it_still_do()
    {
        var cancelledRan = false;
        var cancelable = new Cancelable((IScheduler)_scheduler);
        Advanced(_scheduler).ScheduleOnce(TimeSpan.FromSeconds(1), () => cancelledRan = true, cancelable);
        var repeating = new Cancelable((IScheduler)_scheduler);
        var repeats = 0;
        Advanced(_scheduler).ScheduleRepeatedly(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20), () => Interlocked.Increment(ref repeats), repeating);
        cancelable.Cancel();
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Advanced(_scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(1100), () => later.TrySetResult());
        await later.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(cancelledRan);

        // A repeating timer stops at its cancel: a timer due after its next run finds the count unchanged.
        await AwaitConditionAsync(() => Task.FromResult(Volatile.Read(ref repeats) >= 2));
        repeating.Cancel();
        // A run already under way when it was cancelled ends before the next timer starts (one thread runs them all).
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Advanced(_scheduler).ScheduleOnce(TimeSpan.Zero, () => settled.TrySetResult());
        await settled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var counted = Volatile.Read(ref repeats);
        var afterNextRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Advanced(_scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(60), () => afterNextRun.TrySetResult());
        await afterNextRun.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(counted, Volatile.Read(ref repeats));
    }

    [Fact]
    public async Task Repeating_timers_that_share_a_wake_up_keep_sharing_it_and_an_idle_scheduler_wakes_only_for_them()
    {
        // Three repeating timers 10 ms apart: the first may run up to 50 ms late (a quarter of 200), so one wake-up
        // runs all three, and from then on they are due together. That needs the three scheduled within 30 ms: on a
        // machine that paused this thread longer, they are cancelled and scheduled again.
        const int rounds = 6;
        ConcurrentQueue<(int Timer, int Round, long Wake)> runs;
        TaskCompletionSource done;
        List<ICancelable> cancelables;
        long wakesBefore;
        var attempts = 0;
        do
        {
            Assert.True(++attempts <= 5, "the machine paused the scheduling thread for more than 30 ms five times");
            wakesBefore = _scheduler.Wakes;
            // This attempt's own: a timer of an attempt given up records nothing here.
            var attemptRuns = runs = new ConcurrentQueue<(int Timer, int Round, long Wake)>();
            var attemptDone = done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cancelables = [];
            var clock = Stopwatch.StartNew();
            for (var timer = 0; timer < 3; timer++)
            {
                var id = timer;
                var round = 0;
                var cancelable = new Cancelable((IScheduler)_scheduler);
                cancelables.Add(cancelable);
                Advanced(_scheduler).ScheduleRepeatedly(TimeSpan.FromMilliseconds(200 + 10 * timer), TimeSpan.FromMilliseconds(200), () =>
                {
                    attemptRuns.Enqueue((id, ++round, _scheduler.Wakes));
                    if (attemptRuns.Count == 3 * rounds) attemptDone.TrySetResult();
                }, cancelable);
            }
            if (clock.ElapsedMilliseconds <= 30) break;
            foreach (var cancelable in cancelables) cancelable.Cancel();
        } while (true);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        foreach (var cancelable in cancelables) cancelable.Cancel();
        var wakes = _scheduler.Wakes - wakesBefore;

        foreach (var round in runs.Where(r => r.Round <= rounds).GroupBy(r => r.Round))
            Assert.Single(round.Select(r => r.Wake).Distinct());
        // One wake-up per round, plus at most one for each timer added and one for an earlier attempt's (a wheel of
        // 100 ms ticks: 12 or more).
        Assert.InRange(wakes, rounds, rounds + 4);
    }

    [Fact]
    public async Task Cancelled_timers_are_not_kept_until_they_fall_due()
    {
        // Request timeouts answered after the scheduler took them: 20,000 due in ten minutes, then cancelled.
        var answered = Schedule(20_000);
        await Settled();
        foreach (var cancelable in answered) cancelable.Cancel();
        var pending = Schedule(25_000);
        await Settled();
        Assert.InRange(_scheduler.Held, 25_000, 25_000 + 1_000);
        foreach (var cancelable in pending) cancelable.Cancel();

        List<ICancelable> Schedule(int count)
        {
            var cancelables = new List<ICancelable>(count);
            for (var i = 0; i < count; i++)
            {
                var cancelable = new Cancelable((IScheduler)_scheduler);
                Advanced(_scheduler).ScheduleOnce(TimeSpan.FromMinutes(10), () => { }, cancelable);
                cancelables.Add(cancelable);
            }
            return cancelables;
        }

        async Task Settled()
        {
            var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Advanced(_scheduler).ScheduleOnce(TimeSpan.Zero, () => taken.TrySetResult());
            await taken.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task A_timer_that_throws_costs_only_itself()
    {
        Advanced(_scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(10), () => throw new InvalidOperationException("application code failed"));
        var after = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Advanced(_scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(30), () => after.TrySetResult());
        await after.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void On_dispose_pending_timers_run_once_and_new_ones_are_refused()
    {
        using var scheduler = new CoalescingScheduler(ConfigurationFactory.ParseString(SchedulerConfig), NoLogger.Instance);
        var ran = 0;
        Advanced(scheduler).ScheduleOnce(TimeSpan.FromMinutes(10), () => Interlocked.Increment(ref ran));
        var cancelled = new Cancelable((IScheduler)scheduler);
        Advanced(scheduler).ScheduleOnce(TimeSpan.FromMinutes(10), () => Interlocked.Increment(ref ran), cancelled);
        cancelled.Cancel();
        scheduler.Dispose();
        Assert.Equal(1, ran);
        Assert.Throws<SchedulerException>(() => Advanced(scheduler).ScheduleOnce(TimeSpan.FromSeconds(1), () => { }));
    }

    [Fact]
    public void A_tick_duration_under_a_millisecond_is_refused_at_start_with_what_to_fix()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            new CoalescingScheduler(ConfigurationFactory.ParseString("akka.scheduler.tick-duration = 0ms"), NoLogger.Instance));
        Assert.Contains("akka.scheduler.tick-duration", error.Message);
    }

    /// <summary>A message that must not reset a receive timeout, repeated faster than the timeout.</summary>
    private sealed record Quiet : INotInfluenceReceiveTimeout;

    private sealed class Sleepy : ReceiveActor
    {
        public Sleepy(IActorRef probe)
        {
            Context.SetReceiveTimeout(TimeSpan.FromMilliseconds(400));
            Receive<Quiet>(quiet => probe.Tell(quiet));
            Receive<ReceiveTimeout>(_ => probe.Tell("timed out"));
        }
    }

    [Fact]
    public void An_actor_gets_scheduled_messages_unwrapped_and_ones_that_must_not_reset_its_receive_timeout_do_not()
    {
        Assert.IsType<CoalescingScheduler>(Sys.Scheduler);
        var sleepy = Sys.ActorOf(Props.Create(() => new Sleepy(TestActor)));
        var quiet = new Quiet();
        var ticking = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), sleepy, quiet, ActorRefs.NoSender);
        ExpectMsg<Quiet>(TimeSpan.FromSeconds(5));
        FishForMessage(message => message is "timed out", TimeSpan.FromSeconds(10));
        ticking.Cancel();
    }
}
