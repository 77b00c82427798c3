using Microsoft.Extensions.Logging;

namespace AGServer.Server.Internal;

/// <summary>
/// Gives memory back to the operating system once a load has passed. The .NET GC only decommits when it collects, and
/// a server that went quiet after a burst (a flood of connections, a churn) allocates too little to collect: its RSS
/// would stay at the burst's peak. Every <see cref="Interval"/> this looks at the node: quiet (little allocated since
/// the last look) and holding much more committed GC memory than after its last trim (or at start), it runs one
/// aggressive, compacting collection, which decommits what is free. It does not run again until the node has been busy since. The GC is the
/// process's, so there is one trimmer per process, started by the first server that wants it.
/// </summary>
internal sealed class MemoryTrimmer
{
    private static readonly object Gate = new();
    private static MemoryTrimmer? _started;

    public static void EnsureStarted(ILogger logger)
    {
        lock (Gate) _started ??= new MemoryTrimmer(logger);
    }

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Allocated in one interval by a node that counts as quiet.</summary>
    private const long QuietAllocation = 16L << 20;

    /// <summary>Growth of committed memory since the last trim that is worth a collection.</summary>
    private const long WorthTrimming = 32L << 20;

    private readonly ILogger _logger;
    private readonly Timer _timer;
    private long _allocatedBefore = GC.GetTotalAllocatedBytes();
    private bool _busySinceTrim = true;
    private long _committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;

    private MemoryTrimmer(ILogger logger)
    {
        _logger = logger;
        _timer = new Timer(_ => Look(), null, Interval, Interval);
    }

    /// <summary>A quiet interval, after a busy one, with much more committed than after the last trim: worth one collection.</summary>
    internal static bool ShouldTrim(long allocatedInInterval, bool busySinceTrim, long committed, long committedAfterTrim) =>
        allocatedInInterval < QuietAllocation && busySinceTrim && committed - committedAfterTrim >= WorthTrimming;

    private void Look()
    {
        var allocated = GC.GetTotalAllocatedBytes();
        var allocatedInInterval = allocated - _allocatedBefore;
        _allocatedBefore = allocated;
        if (allocatedInInterval >= QuietAllocation)
        {
            _busySinceTrim = true;
            return;
        }
        if (!ShouldTrim(allocatedInInterval, _busySinceTrim, GC.GetGCMemoryInfo().TotalCommittedBytes, _committedAfterTrim)) return;
        _busySinceTrim = false;
        var before = Environment.WorkingSet;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;
        ServerLog.MemoryTrimmed(_logger, before >> 20, Environment.WorkingSet >> 20);
    }
}
