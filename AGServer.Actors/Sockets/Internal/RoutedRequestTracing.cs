using System.Diagnostics;
using Akka.Actor;
using AGServer.Protocol;
using AGServer.Server;

namespace AGServer.Sockets.Internal;

/// <summary>
/// The span of a routed request on the node whose actor serves it, under the invoke's span on the node the client is
/// connected to (the trace context crossed in <see cref="ActorRequest.TraceParent"/>).
/// </summary>
internal static class RoutedRequestTracing
{
    /// <summary>Starts the span for <paramref name="message"/> when it is a traced request (dispose it after the receive).</summary>
    public static Activity? Start(object message, ActorSystem system)
    {
        if (message is not ActorRequest { TraceParent: { } traceParent } request || !AGServerTracing.Source.HasListeners()) return null;
        var node = ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();
        var activity = AGServerTracing.StartScoped(request.Name, ActivityKind.Server, node, AGServerTracing.Parse(traceParent));
        activity?.SetTag("rpc.system", "socketcluster");
        activity?.SetTag("rpc.method", request.Name);
        activity?.SetTag("agserver.socket.id", request.SocketId);
        return activity;
    }

    /// <summary>The actor threw on the request.</summary>
    public static void Failed(Activity? activity, Exception error)
    {
        if (activity is null) return;
        var name = (error as INamedError)?.Name ?? AGErrorNames.ServerError;
        activity.SetStatus(ActivityStatusCode.Error, name);
        activity.SetTag("error.type", name);
    }
}
