using System.Globalization;

namespace AGServer.Channels.Internal;

/// <summary>
/// A history's epoch names one run of offsets. It starts with when it began (12 hex digits of Unix milliseconds, then
/// 4 random ones), so of two epochs of a channel the later-begun sorts after: a restarted entity that finds copies of
/// several epochs continues the newest (an older epoch's copy may have a higher offset: it is what subscribers left
/// behind when the newer one began). A new epoch begins after the one it replaces even if this node's clock is behind.
/// Clients treat an epoch as an opaque string.
/// </summary>
internal static class Epochs
{
    public static string New(string? after = null)
    {
        var ms = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), BeganAt(after) + 1);
        return ms.ToString("x12", CultureInfo.InvariantCulture) + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
    }

    /// <summary>When the epoch began (Unix ms); 0 for an epoch of the earlier, random-only form, which sorts first.</summary>
    public static long BeganAt(string? epoch) =>
        epoch is { Length: 16 } && long.TryParse(epoch.AsSpan(0, 12), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var ms) ? ms : 0;

    /// <summary>The copy to continue from: of the newest epoch, the one with the highest offset.</summary>
    public static T Newest<T>(IEnumerable<T> copies, Func<T, HistoryTail> tail) =>
        copies.OrderByDescending(copy => BeganAt(tail(copy).Epoch)).ThenByDescending(copy => tail(copy).Offset).First();
}
