using Akka.Actor;
using AGServer.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AGServer.Server.Internal;

/// <summary>
/// Gives memory back to the operating system once a load has passed. The .NET GC only decommits when it collects, and
/// a server that went quiet after a burst (a flood of connections, a churn) allocates too little to collect: its RSS
/// would stay at the burst's peak. Every <see cref="Interval"/> this looks at the node: quiet (little allocated since
/// the last look), busy since its last decision (much allocated in all, fast or slowly: a slow churn of channels never
/// allocates much in one second, yet leaves its garbage in gen2) and holding much more committed GC memory than after
/// its last trim (or at start), it measures what is live with a background collection and, when that is small enough
/// for a short pause, runs one aggressive, compacting collection, which decommits what is free. The GC is the
/// process's, so there is one trimmer per process, started by the first server that wants it, on its actor system's
/// scheduler (its looks share that scheduler's wake-ups; a .NET timer would wake .NET's timer thread twice a look), and
/// started again by the next server once that actor system has terminated.
/// </summary>
internal sealed class MemoryTrimmer
{
    private static readonly object Gate = new();
    private static MemoryTrimmer? _started;

    public static void EnsureStarted(ActorSystem system, ILogger logger)
    {
        lock (Gate)
        {
            if (_started is not null) return;
            var trimmer = new MemoryTrimmer(logger);
            try
            {
                system.Scheduler.Advanced.ScheduleRepeatedly(Interval, Interval, trimmer.Look);
            }
            catch (SchedulerException)
            {
                return; // the actor system is already shutting down: the next server starts one
            }
            _started = trimmer;
            system.RegisterOnTermination(() =>
            {
                lock (Gate)
                    if (_started == trimmer) _started = null;
            });
        }
    }

    /// <summary>How often it looks: a look costs two reads of GC counters, so a node is trimmed soon after a load ends.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Allocated in one interval by a node that counts as quiet: above what an idle node allocates (pings, timers,
    /// metrics), below what even a slow load does (a subscribe churn held to its rate limit; BENCHMARKS.md, "Noisy
    /// neighbours", third round).
    /// </summary>
    private const long QuietAllocation = 1L << 20;

    /// <summary>
    /// Growth of committed memory since the last trim that is worth a collection. Small: what the GC holds after a
    /// churn beyond a node's start is most of what a node gives back then (BENCHMARKS.md, "Memory back after a load").
    /// </summary>
    private const long WorthTrimming = 8L << 20;

    /// <summary>
    /// Allocated since the last decision (trim or not) that makes the node worth another look: a few seconds of a
    /// load, many minutes of an idle node.
    /// </summary>
    private const long BusyAllocation = 32L << 20;

    private readonly ILogger _logger;
    private long _allocatedBefore = GC.GetTotalAllocatedBytes();
    private long _allocatedAtDecision;
    private bool _measured;

    private long _committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;

    private MemoryTrimmer(ILogger logger) => _logger = logger;

    /// <summary>A quiet interval, busy since the last decision, with much more committed than after the last trim: worth a look.</summary>
    internal static bool ShouldTrim(long allocatedInInterval, bool busySinceDecision, long committed, long committedAfterTrim) =>
        allocatedInInterval < QuietAllocation && busySinceDecision && committed - committedAfterTrim >= WorthTrimming;

    /// <summary>Above this much live heap a compacting collection is not run (see <see cref="IsWorthThePause"/>).</summary>
    private const long MostLiveToCompact = 256L << 20;

    /// <summary>
    /// The compacting collection stops the process while it copies the live heap (its pause grows with it: BENCHMARKS.md,
    /// the handshake tail at 19,000 connections), so it runs only while what is live is small enough for a short pause,
    /// and only when what it gives back (committed but not live) is worth that pause: at least a quarter of the live heap
    /// (and <see cref="WorthTrimming"/>). A node whose memory holds that many live connections is left alone.
    /// </summary>
    internal static bool IsWorthThePause(long live, long committed) =>
        live <= MostLiveToCompact && committed - live >= Math.Max(WorthTrimming, live / 4);

    private void Look()
    {
        var allocated = GC.GetTotalAllocatedBytes();
        var allocatedInInterval = allocated - _allocatedBefore;
        _allocatedBefore = allocated;
        if (allocatedInInterval >= QuietAllocation)
        {
            // Still busy: what the last measure said is out of date.
            _measured = false;
            return;
        }
        var memory = GC.GetGCMemoryInfo();
        var busySinceDecision = allocated - _allocatedAtDecision >= BusyAllocation;
        if (!ShouldTrim(allocatedInInterval, busySinceDecision, memory.TotalCommittedBytes, _committedAfterTrim)) return;
        if (!_measured)
        {
            // The last collection may be from the middle of the load: a background one (no long pause) says what is live
            // now, and the decision follows at the next look, an interval later.
            _measured = true;
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
            return;
        }
        _measured = false;
        _allocatedAtDecision = allocated;
        if (!IsWorthThePause(memory.HeapSizeBytes - memory.FragmentedBytes, memory.TotalCommittedBytes)) return;
        var before = Environment.WorkingSet;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;
        ServerLog.MemoryTrimmed(_logger, before >> 20, Environment.WorkingSet >> 20);
    }
}
