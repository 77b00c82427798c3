using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace AGServer.Sockets.Internal;

/// <summary>The mailbox of socket actors (see <see cref="SocketMessageQueue"/>), registered in the actor system's config.</summary>
internal sealed class SocketMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<SocketMessageQueue>
{
    /// <summary>The config path socket actors' props name.</summary>
    public const string Id = "agserver.socket-mailbox";

    /// <summary>What the actor system needs to know to make this mailbox.</summary>
    public static readonly Config SystemConfig = ConfigurationFactory.ParseString(
        $"{Id}.mailbox-type = \"{typeof(SocketMailbox).FullName}, {typeof(SocketMailbox).Assembly.GetName().Name}\"");

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new SocketMessageQueue();
}
