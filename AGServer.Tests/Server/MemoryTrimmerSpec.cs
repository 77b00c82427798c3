using AGServer.Server.Internal;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>When the node gives memory back: quiet after being busy, holding much more than after its last trim. (The effect is measured by the abuse benchmark.)</summary>
public sealed class MemoryTrimmerSpec
{
    private const long Kb = 1 << 10;
    private const long Mb = 1 << 20;

    [Theory]
    [InlineData(200, true, 300, 100, true)]      // quiet after a load that grew committed memory by 200 MB
    [InlineData(100_000, true, 300, 100, false)] // still busy
    [InlineData(3_000, true, 300, 100, false)]   // a slow churn (100 channels a second) is a load too
    [InlineData(200, false, 300, 100, false)]    // little allocated since the last decision
    [InlineData(200, true, 120, 100, true)]      // a churn's 20 MB
    [InlineData(200, true, 105, 100, false)]     // little to give back
    public void Looks_once_when_quiet_after_a_load_with_memory_to_give_back(long allocatedKb, bool busySinceDecision, long committedMb, long committedAfterTrimMb, bool trims) =>
        Assert.Equal(trims, MemoryTrimmer.ShouldTrim(allocatedKb * Kb, busySinceDecision, committedMb * Mb, committedAfterTrimMb * Mb));

    [Theory]
    [InlineData(20, 60, true)]     // connections gone: little live, much to give back
    [InlineData(7, 12, false)]     // less than 8 MB to give back
    [InlineData(256, 400, true)]
    [InlineData(200, 230, false)]  // a 0.25 s pause for 30 MB: not worth it
    [InlineData(500, 900, false)]  // 19,000 idle connections: a 0.7 s pause
    public void Compacts_only_when_the_pause_is_short_and_worth_what_it_gives_back(long liveMb, long committedMb, bool compacts) =>
        Assert.Equal(compacts, MemoryTrimmer.IsWorthThePause(liveMb * Mb, committedMb * Mb));
}
