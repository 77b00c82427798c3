using AGServer.Server.Internal;
using Xunit;

namespace AGServer.Tests.Server;

/// <summary>When the node gives memory back: quiet after being busy, holding much more than after its last trim. (The effect is measured by the abuse benchmark.)</summary>
public sealed class MemoryTrimmerSpec
{
    private const long Mb = 1 << 20;

    [Theory]
    [InlineData(1, true, 300, 100, true)]     // quiet after a load that grew committed memory by 200 MB
    [InlineData(100, true, 300, 100, false)]  // still busy
    [InlineData(1, false, 300, 100, false)]   // already trimmed since the last load
    [InlineData(1, true, 120, 100, false)]    // little to give back
    public void Trims_once_when_quiet_after_a_load_with_memory_to_give_back(long allocatedMb, bool busySinceTrim, long committedMb, long committedAfterTrimMb, bool trims) =>
        Assert.Equal(trims, MemoryTrimmer.ShouldTrim(allocatedMb * Mb, busySinceTrim, committedMb * Mb, committedAfterTrimMb * Mb));
}
