using System.Runtime.InteropServices;

namespace AGServer.Bench;

/// <summary>
/// Another process's CPU time to the nanosecond, from its POSIX CPU clock (<c>clock_getcpuclockid</c>): the kernel's
/// own sum of every thread's time on a CPU, the exited ones included. <c>/proc/pid/stat</c> gives the same sum in clock
/// ticks (10 ms), too coarse for a node that uses 2 ms a second: a 20 s window read it to ±0.5 ms a second.
/// </summary>
internal static class ProcessCpuClock
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_getcpuclockid")]
    private static extern int GetCpuClockId(int pid, out int clockId);

    [DllImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static extern int GetTime(int clockId, out TimeSpec time);

    /// <summary>The process's CPU time in milliseconds, or null where the clock cannot be read (not Linux, process gone).</summary>
    public static double? Milliseconds(int pid)
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (GetCpuClockId(pid, out var clock) != 0 || GetTime(clock, out var time) != 0) return null;
        return time.Seconds * 1000.0 + time.Nanoseconds / 1e6;
    }
}
