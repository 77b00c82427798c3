using Akka.Actor;
using Akka.Actor.Scheduler;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;
using AGServer.Server.Internal;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>
/// The keep-alive wheel on the actor system's scheduler: a tick takes the slots whose time has come, so a late tick
/// (a coalescing scheduler runs a timer up to a quarter of its delay late) still reaches every socket once a round.
/// </summary>
public sealed class KeepAliveWheelSpec : Akka.TestKit.Xunit2.TestKit
{
    // 64 slots of 100 ms. A ping timeout under zero makes every member silent at once, so the first time its slot is
    // taken it is told Silent (once): the probe sees which slots a tick took.
    private const int PingInterval = 6400;
    private const int EverySocketSilent = -1;

    [Fact]
    public async Task A_late_tick_takes_every_slot_due_since_the_last_one_and_a_long_pause_each_slot_once()
    {
        var scheduler = new HandDrivenScheduler();
        using var wheel = new KeepAliveWheel(PingInterval, EverySocketSilent, protocolVersion: 2, scheduler);
        var probe = CreateTestProbe();
        var members = Enumerable.Range(0, KeepAliveWheel.MaxSlots).Select(_ => wheel.Add(null!, probe.Ref)).ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(100), scheduler.Interval);

        await TickAndExpectSilentAsync(scheduler, probe, at: TimeSpan.FromMilliseconds(100), reports: 1);

        // Three slots' time has come by 460 ms: the one late tick takes them all.
        await TickAndExpectSilentAsync(scheduler, probe, at: TimeSpan.FromMilliseconds(460), reports: 3);

        // Paused for many rounds: one round, every slot once (the 60 not yet taken report now).
        await TickAndExpectSilentAsync(scheduler, probe, at: TimeSpan.FromSeconds(100), reports: 60);

        foreach (var member in members) wheel.Remove(member);
        Assert.False(wheel.IsTicking);
        Assert.True(scheduler.Cancelled);
    }

    /// <summary>
    /// Runs one tick and expects exactly <paramref name="reports"/> Silent reports from it, with no wait on time: the
    /// tick tells the probe on this thread, so a marker told after it arrives after everything the tick told.
    /// </summary>
    private static async Task TickAndExpectSilentAsync(HandDrivenScheduler scheduler, Akka.TestKit.TestProbe probe, TimeSpan at, int reports)
    {
        scheduler.Tick(at);
        probe.Ref.Tell(EndOfTick);
        for (var i = 0; i < reports; i++) await probe.ExpectMsgAsync<KeepAliveWheel.Silent>();
        await probe.ExpectMsgAsync(EndOfTick);
    }

    private const string EndOfTick = "end of tick";

    /// <summary>Holds the one repeating action the wheel schedules; the test sets the clock and runs it.</summary>
    private sealed class HandDrivenScheduler() : SchedulerBase(ConfigurationFactory.Empty, NoLogger.Instance)
    {
        private Action? _action;
        private ICancelable? _cancelable;
        private TimeSpan _now;

        public TimeSpan Interval { get; private set; }
        public bool Cancelled => _cancelable?.IsCancellationRequested ?? false;

        public void Tick(TimeSpan at)
        {
            _now = at;
            if (!Cancelled) _action!();
        }

        protected override DateTimeOffset TimeNow => DateTimeOffset.UnixEpoch + _now;
        public override TimeSpan MonotonicClock => _now;
        public override TimeSpan HighResMonotonicClock => _now;

        protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable)
        {
            Interval = interval;
            _action = action;
            _cancelable = cancelable;
        }

        protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
            throw new InvalidOperationException("the wheel only schedules one repeating action");

        protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
            throw new InvalidOperationException("the wheel only schedules one repeating action");

        protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
            throw new InvalidOperationException("the wheel only schedules one repeating action");

        protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
            throw new InvalidOperationException("the wheel only schedules one repeating action");

        protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
            throw new InvalidOperationException("the wheel only schedules one repeating action");
    }
}
