using Akka.Actor;
using Akka.Persistence;
using AGServer.Protocol;
using AGServer.Sockets.Internal;

namespace AGServer.Sockets;

/// <summary>
/// A <see cref="ReceiveActor"/> that serves routed requests (<see cref="ActorRequest"/>): when it throws while handling
/// a client's invoke, the invoke is answered at once with the error (an <see cref="AGError"/> as it is, any other
/// exception as the usual generic <c>ServerError</c> on the client), instead of waiting for AckTimeout; then its
/// supervisor decides as for any failure (by default a restart). A traced request (see
/// <see cref="ActorRequest.TraceParent"/>) is handled inside a span of the invoke's trace, on whichever node this runs.
/// </summary>
public abstract class RequestActor : ReceiveActor
{
    protected override bool AroundReceive(Receive receive, object message)
    {
        using var span = RoutedRequestTracing.Start(message, Context.System);
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception error)
        {
            RoutedRequestTracing.Failed(span, error);
            RequestFailures.AnswerAsked(message, Sender, error);
            throw;
        }
    }
}

/// <summary>
/// A <see cref="ReceivePersistentActor"/> that serves routed requests, answering one it throws on at once as
/// <see cref="RequestActor"/> does: for entities whose state must outlive a rebalance, a restart or a crash.
/// </summary>
public abstract class PersistentRequestActor : ReceivePersistentActor
{
    protected override bool AroundReceive(Receive receive, object message)
    {
        using var span = RoutedRequestTracing.Start(message, Context.System);
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception error)
        {
            RoutedRequestTracing.Failed(span, error);
            RequestFailures.AnswerAsked(message, Sender, error);
            throw;
        }
    }
}
