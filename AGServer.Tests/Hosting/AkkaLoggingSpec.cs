using Akka.Actor;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using AGServer.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AGServer.Tests.Hosting;

/// <summary>Akka's own log events reach the application's ILogger.</summary>
public sealed class AkkaLoggingSpec
{
    private sealed class Capture : ILoggerProvider, ILogger
    {
        public readonly List<(string Category, LogLevel Level, string Text, EventId Id)> Entries = new();
        private string _category = "";

        public ILogger CreateLogger(string categoryName) => new Capture { _category = categoryName, Shared = this };

        private Capture? Shared { get; init; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var target = Shared ?? this;
            lock (target.Entries) target.Entries.Add((_category, logLevel, formatter(state, exception), eventId));
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task An_Akka_warning_is_logged_through_the_ILogger_with_its_level_and_source()
    {
        var capture = new Capture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Debug));
        var config = Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = INFO");
        using var system = ActorSystem.Create("logging", AkkaLoggerBridge.Setup(config, factory));
        system.Log.Warning("disk almost full on {0}", "node-1");

        await AwaitAsync(() =>
        {
            lock (capture.Entries)
                return capture.Entries.Any(e => e.Category == "Akka" && e.Level == LogLevel.Warning && e.Text.Contains("disk almost full on node-1") && e.Id.Id == 3100);
        });
        await system.Terminate();
    }

    private static async Task AwaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the log entry never arrived");
            await Task.Delay(20);
        }
    }
}
