using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Scheduler;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace AGServer.Hosting;

/// <summary>
/// Akka's scheduler for an AGServer node (<c>akka.scheduler.implementation</c> in cluster.hocon): one thread that
/// sleeps until a timer is due, where Akka's wheel wakes every tick whether anything is due or not. Each tick of the
/// wheel cost an idle node three wake-ups (.NET's timer thread twice, a pool thread once), about half of an empty
/// node's CPU (BENCHMARKS.md, "Idle, round 5").
/// A timer may fire up to a quarter of its delay late, never more than <c>akka.scheduler.tick-duration</c> (the
/// wheel's own lateness) and never early; a wake-up runs every timer already due, and a repeating timer's next run is
/// counted from the wake-up that ran it, so timers that once shared a wake-up keep sharing it: an idle node's periodic
/// work (gossip, heartbeats, replication) settles into a few wake-ups a second.
/// </summary>
internal sealed class CoalescingScheduler : SchedulerBase, IDateTimeOffsetNowTimeProvider, IDisposable
{
    private readonly long _maxLateness;
    private readonly TimeSpan _shutdownTimeout;
    private readonly ConcurrentQueue<Timer> _added = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;

    // The thread's own: timers by when they are due, and by the latest they may run. An entry whose priority no longer
    // matches its timer (run, cancelled, or rescheduled since) is dropped when it reaches the top.
    private readonly PriorityQueue<Timer, long> _byDue = new();
    private readonly PriorityQueue<Timer, long> _byLatest = new();

    /// <summary>When the thread will wake next (<see cref="Now"/>); a timer due to run earlier wakes it.</summary>
    private long _wakeAt = long.MaxValue;

    /// <summary>Timers added so far: every <see cref="TakeEvery"/>th wakes the thread to take them, so a burst of long
    /// timers does not pile up in the queue until the next one is due.</summary>
    private long _addedCount;

    /// <summary>Heap entries the thread keeps before it drops the cancelled ones (twice the live ones after a drop).</summary>
    private int _compactAt = CompactAtLeast;

    private const int TakeEvery = 4096;
    private const int CompactAtLeast = 1024;

    private volatile bool _stopping;
    private long _wakes;

    public CoalescingScheduler(Config scheduler, ILoggingAdapter log) : base(scheduler, log)
    {
        var tick = SchedulerConfig.GetTimeSpan("akka.scheduler.tick-duration", TimeSpan.FromMilliseconds(100));
        if (tick < TimeSpan.FromMilliseconds(1))
            throw new ConfigurationException($"akka.scheduler.tick-duration is {tick}: it is the most a timer may fire late, and must be at least 1ms");
        _maxLateness = tick.Ticks;
        _shutdownTimeout = SchedulerConfig.GetTimeSpan("akka.scheduler.shutdown-timeout", TimeSpan.FromSeconds(5));
        _thread = new Thread(Run) { IsBackground = true, Name = "AGServer scheduler" };
        _thread.Start();
    }

    /// <summary>How many times the thread has woken (for tests and for measuring).</summary>
    internal long Wakes => Interlocked.Read(ref _wakes);

    protected override DateTimeOffset TimeNow => DateTimeOffset.UtcNow;
    public override TimeSpan MonotonicClock => Clock.Elapsed;
    public override TimeSpan HighResMonotonicClock => Clock.Elapsed;

    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Add(delay, TimeSpan.Zero, new ScheduledTell(receiver, message, sender), cancelable);

    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Add(initialDelay, interval, new ScheduledTell(receiver, message, sender), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Add(delay, TimeSpan.Zero, new ActionRunnable(action), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Add(delay, TimeSpan.Zero, action, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Add(initialDelay, interval, new ActionRunnable(action), cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Add(initialDelay, interval, action, cancelable);

    private void Add(TimeSpan delay, TimeSpan interval, IRunnable action, ICancelable? cancelable)
    {
        if (_stopping) throw new SchedulerException("cannot enqueue after timer shutdown");
        var timer = new Timer(action, cancelable, Math.Max(0, interval.Ticks));
        Place(timer, Now(), Math.Max(0, delay.Ticks));
        _added.Enqueue(timer);
        // The enqueue is a full fence: either the thread sees this timer before it sleeps, or this sees when it sleeps.
        var added = Interlocked.Increment(ref _addedCount);
        if (timer.Latest < Volatile.Read(ref _wakeAt) || added % TakeEvery == 0) _wake.Set();
    }

    private void Place(Timer timer, long now, long delay)
    {
        timer.Due = now + delay;
        timer.Latest = timer.Due + Math.Min(delay / 4, _maxLateness);
    }

    /// <summary>The time in <see cref="TimeSpan"/> ticks (Environment.TickCount64 may be a scheduler tick behind).</summary>
    private static long Now() => Clock.Elapsed.Ticks;

    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    private void Run()
    {
        while (!_stopping)
        {
            TakeAdded();
            var now = Now();
            RunDue(now);
            var next = NextLatest();
            Interlocked.Exchange(ref _wakeAt, next);
            if (!_added.IsEmpty) continue;
            var wait = next == long.MaxValue ? Timeout.Infinite : (int)Math.Clamp((next - Now() + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, 0, int.MaxValue);
            if (wait != 0) _wake.WaitOne(wait);
            Interlocked.Exchange(ref _wakeAt, long.MinValue); // awake: no one needs to signal
            Interlocked.Increment(ref _wakes);
        }
    }

    private void TakeAdded()
    {
        while (_added.TryDequeue(out var timer))
        {
            if (timer.Cancelled) continue;
            _byDue.Enqueue(timer, timer.Due);
            _byLatest.Enqueue(timer, timer.Latest);
        }
        if (_byDue.Count > _compactAt) DropCancelled();
    }

    /// <summary>
    /// Cancelled timers (an answered request's timeout, mostly) would stay until they fall due: past a bound, both
    /// heaps are rebuilt from the live timers alone, so they hold at most twice what is live (amortised: the bound
    /// doubles with what is live).
    /// </summary>
    private void DropCancelled()
    {
        var live = new List<Timer>();
        foreach (var (timer, due) in _byDue.UnorderedItems)
            if (due == timer.Due && !timer.Done && !timer.Cancelled) live.Add(timer);
        _byDue.Clear();
        _byLatest.Clear();
        foreach (var timer in live)
        {
            _byDue.Enqueue(timer, timer.Due);
            _byLatest.Enqueue(timer, timer.Latest);
        }
        _compactAt = Math.Max(CompactAtLeast, 2 * live.Count);
    }

    /// <summary>The timers the thread holds, cancelled ones not yet dropped included (for tests).</summary>
    internal int Held => _byDue.Count;

    /// <summary>Runs every timer due by <paramref name="now"/>, earliest first; repeating ones go back in.</summary>
    private void RunDue(long now)
    {
        while (_byDue.TryPeek(out var timer, out var due) && due <= now)
        {
            _byDue.Dequeue();
            if (due != timer.Due || timer.Done) continue;
            if (timer.Cancelled)
            {
                timer.Done = true;
                continue;
            }
            try
            {
                timer.Action.Run();
            }
            catch (Exception ex)
            {
                // As Akka's wheel: logged, and a failed repeating timer is not run again.
                Log.Error(ex, "Error while executing scheduled task {0}", timer.Action);
                timer.Done = true;
                continue;
            }
            if (timer.Interval > 0 && !timer.Cancelled)
            {
                Place(timer, now, timer.Interval);
                _byDue.Enqueue(timer, timer.Due);
                _byLatest.Enqueue(timer, timer.Latest);
            }
            else timer.Done = true;
        }
    }

    /// <summary>The latest time the earliest pending timer may run, stale entries dropped on the way.</summary>
    private long NextLatest()
    {
        while (_byLatest.TryPeek(out var timer, out var latest))
        {
            if (latest == timer.Latest && !timer.Done && !timer.Cancelled) return latest;
            _byLatest.Dequeue();
        }
        return long.MaxValue;
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _wake.Set();
        if (Thread.CurrentThread != _thread && !_thread.Join(_shutdownTimeout))
        {
            Log.Warning("Failed to shutdown scheduler within {0}", _shutdownTimeout);
            return;
        }
        // As Akka's wheel: what was still pending runs once, so nothing waits for a timer that will never come.
        TakeAdded();
        foreach (var (timer, _) in _byDue.UnorderedItems)
        {
            if (timer.Done || timer.Cancelled) continue;
            timer.Done = true;
            try
            {
                timer.Action.Run();
            }
            catch (SchedulerException)
            {
                // From actors already terminated.
            }
            catch (Exception ex)
            {
                Log.Error(ex, "Exception while executing timer task.");
            }
        }
        _byDue.Clear();
        _byLatest.Clear();
        // _wake is not disposed: a timer added while this ran may still set it (and is then refused or never run).
    }

    private sealed class Timer(IRunnable action, ICancelable? cancellation, long interval)
    {
        public readonly IRunnable Action = action;
        public readonly long Interval = interval;
        public long Due;
        public long Latest;
        public bool Done;
        public bool Cancelled => cancellation?.IsCancellationRequested ?? false;
    }

    /// <summary>A scheduled Tell. An actor gets the message wrapped, as from Akka's own scheduler, so that its cell
    /// knows it came from a timer (a message that must not reset the receive timeout keeps that property).</summary>
    private sealed class ScheduledTell(ICanTell receiver, object message, IActorRef sender) : IRunnable
    {
        private readonly object _message = receiver is not ActorRefWithCell
            ? message
            : message is INotInfluenceReceiveTimeout ? new TimerMessageNotInfluencingReceiveTimeout(message) : new TimerMessage(message);

        public void Run() => receiver.Tell(_message, sender);

        public void Execute() => Run();

        public override string ToString() => $"[{receiver}.Tell({message}, {sender})]";
    }

    private sealed class TimerMessage(object message) : IScheduledTellMsg
    {
        public object Message { get; } = message;
    }

    private sealed class TimerMessageNotInfluencingReceiveTimeout(object message) : IScheduledTellMsg, INotInfluenceReceiveTimeout
    {
        public object Message { get; } = message;
    }
}
