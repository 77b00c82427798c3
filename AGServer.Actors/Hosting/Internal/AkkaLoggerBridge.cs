using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Dispatch;
using Akka.Event;
using AGServer.Server.Internal;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace AGServer.Hosting.Internal;

/// <summary>Carries the application's <see cref="ILoggerFactory"/> into the actor system, for <see cref="AkkaLoggerBridge"/>.</summary>
internal sealed class LoggerFactorySetup(ILoggerFactory factory) : Setup
{
    public ILoggerFactory Factory { get; } = factory;
}

/// <summary>
/// Akka's logger (<c>akka.loggers</c>): every Akka log event goes to the application's <see cref="ILogger"/> under the
/// category <c>Akka</c>, so Akka's warnings and errors (cluster, remoting, sharding) land with AGServer's own.
/// </summary>
internal sealed class AkkaLoggerBridge : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public const string TypeName = "AGServer.Hosting.Internal.AkkaLoggerBridge, AGServer.Actors";

    public AkkaLoggerBridge()
    {
        var factory = Context.System.Settings.Setup.Get<LoggerFactorySetup>().Value?.Factory;
        var logger = factory?.CreateLogger("Akka");
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            if (logger is null) return;
            var level = e switch
            {
                Error => LogLevel.Error,
                Warning => LogLevel.Warning,
                Info => LogLevel.Information,
                _ => LogLevel.Debug,
            };
            if (logger.IsEnabled(level)) ServerLog.AkkaEvent(logger, level, e.LogSource, e.Message?.ToString() ?? "", e.Cause);
        });
    }

    /// <summary>An actor system set up to log through <paramref name="factory"/>.</summary>
    public static ActorSystemSetup Setup(Akka.Configuration.Config config, ILoggerFactory factory) =>
        ActorSystemSetup.Create(
            BootstrapSetup.Create().WithConfig(Akka.Configuration.ConfigurationFactory.ParseString($"akka.loggers = [\"{TypeName}\"]").WithFallback(config)),
            new LoggerFactorySetup(factory));
}
