using Akka.Actor;
using AGServer.Protocol;

namespace AGServer.Sockets.Internal;

/// <summary>What an actor serving routed requests does when it throws on one: the asker gets an answer at once.</summary>
internal static class RequestFailures
{
    /// <summary>
    /// Answers <paramref name="message"/>'s asker with <paramref name="error"/> when it is a client's invoke (an
    /// <see cref="AGError"/> as it is, any other exception as a generic ServerError). An invoke is asked from a temporary
    /// actor; a transmit comes from the socket's actor, which gets no answer.
    /// </summary>
    public static void AnswerAsked(object message, IActorRef sender, Exception error)
    {
        if (message is not ActorRequest request || sender.IsNobody() || sender.Equals(request.Socket)) return;
        sender.Tell(new Status.Failure(error is INamedError ? error : new AGError(AGErrorNames.ServerError, "The server failed while handling this request")));
    }
}
