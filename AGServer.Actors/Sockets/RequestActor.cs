using Akka.Actor;
using AGServer.Protocol;

namespace AGServer.Sockets;

/// <summary>
/// A <see cref="ReceiveActor"/> that serves routed requests (<see cref="ActorRequest"/>): when it throws while handling
/// a client's invoke, the invoke is answered at once with the error (an <see cref="AGError"/> as it is, any other
/// exception as the usual generic <c>ServerError</c> on the client), instead of waiting for AckTimeout; then its
/// supervisor decides as for any failure (by default a restart).
/// </summary>
public abstract class RequestActor : ReceiveActor
{
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        // An invoke is asked from a temporary actor; a transmit comes from the socket's actor, which gets no answer.
        catch (Exception error) when (message is ActorRequest request && !Sender.IsNobody() && !Sender.Equals(request.Socket))
        {
            Sender.Tell(new Status.Failure(error is INamedError ? error : new AGError(ClientErrors.ServerErrorName, "The server failed while handling this request")));
            throw;
        }
    }
}
