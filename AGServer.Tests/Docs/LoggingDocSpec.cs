using System.Reflection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AGServer.Tests.Docs;

/// <summary>docs/LOGGING.md lists every log event the library defines, with its level: read from the code, so it cannot drift.</summary>
public sealed class LoggingDocSpec
{
    [Fact]
    public void Every_log_event_of_the_library_is_in_LOGGING_md_with_its_level()
    {
        var doc = File.ReadAllText(RepoFile("docs/LOGGING.md"));
        var events = typeof(SocketClusterServer).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToList();

        Assert.NotEmpty(events);
        var missing = events.Where(e => !doc.Contains($"| {e.EventId} | {e.Level} |")).Select(e => $"{e.EventId} {e.Level}").ToList();
        Assert.True(missing.Count == 0, $"docs/LOGGING.md lacks: {string.Join(", ", missing)}");
    }

    private static string RepoFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string here = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(here)!); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, relative))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException(relative);
    }
}
