using AGServer.Diagnostics;
using Akka.Actor;
using AGServer.Middleware;
using AGServer.Protocol;
using AGServer.Streams;
using AGServer.Sockets;
using AGServer.Sockets.Internal;

namespace AGServer.Server.Internal;

/// <summary>
/// Supervises one <see cref="SocketActor"/> per connection. A socket actor that throws is stopped (never
/// restarted with lost state); its PostStop closes that connection with 1011 and nothing else is touched.
/// </summary>
internal sealed class ServerActor : ReceiveActor, IWithTimers
{
    /// <summary>A new connection; <see cref="HandshakeStream"/> is its HANDSHAKE middleware stream, if one was opened.</summary>
    public sealed record AcceptConnection(ISocketTransport Transport, SocketRequest Request, EventStream<AGAction>? HandshakeStream);

    public sealed record Close
    {
        public static readonly Close Instance = new();
    }

    public sealed record Closed
    {
        public static readonly Closed Instance = new();
    }

    private bool _closing;

    /// <summary>Every <see cref="Admin.NodeSampler.Interval"/> while the dashboard is enabled: the node's figures are sampled.</summary>
    private sealed record SampleTick
    {
        public static readonly SampleTick Instance = new();
    }

    private readonly Admin.NodeSampler? _sampler;

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private readonly SocketClusterServer _server;

    protected override void PreStart()
    {
        if (_sampler is null) return;
        _sampler.Add(Admin.ClusterOverview.Figures(_server));
        Timers.StartPeriodicTimer(nameof(SampleTick), SampleTick.Instance, Admin.NodeSampler.Interval);
    }

    public ServerActor(SocketClusterServer server)
    {
        _logger = server.Logger;
        _server = server;
        Receive<AcceptConnection>(accept =>
        {
            if (_closing)
            {
                Refuse(accept.Transport);
                return;
            }
            Context.ActorOf(SocketActorProducer.Props(server, accept.Transport, accept.Request, accept.HandshakeStream));
        });
        // Commands from other nodes for this node's sockets, with their original sender.
        // The dashboard's questions, from whichever node's dashboard asks.
        Receive<Admin.NodeStatsQuery>(_ => Sender.Tell(Admin.ClusterOverview.Local(server)));
        Receive<Admin.NodeSeriesQuery>(_ => Sender.Tell(new Admin.NodeSeries(server.NodeAddress, _sampler?.Samples() ?? [])));
        Receive<Admin.ChannelSubscribersQuery>(query => Sender.Tell(Admin.ClusterOverview.LocalSubscribers(server, query.Channel)));
        Receive<Admin.SocketSearch>(search => Sender.Tell(Admin.ClusterOverview.Search(server, search.Text)));
        if (server.Options.DashboardEnabled)
        {
            _sampler = new Admin.NodeSampler();
            Receive<SampleTick>(_ => _sampler.Add(Admin.ClusterOverview.Figures(server)));
        }
        Receive<RouteToSocket>(route => server.Sockets.DeliverLocal(route.SocketId, route.Command, Sender));
        Receive<RouteToUser>(route => server.Users.DeliverLocal(route.UserId, route.Command, Sender));
        // A consumer attached to a server-wide procedure or receiver: sockets holding packets for it hand them on.
        Receive<SocketActor.ConsumersChanged>(changed =>
        {
            foreach (var child in Context.GetChildren()) child.Tell(changed);
        });
        Receive<Close>(_ =>
        {
            _closing = true;
            var children = Context.GetChildren().ToList();
            foreach (var child in children)
            {
                Context.Watch(child);
                child.Tell(SocketCommand.Disconnect(CloseCodes.GoingAway, "Server is shutting down"));
            }
            if (children.Count == 0) Sender.Tell(Closed.Instance);
            else Become(() => Closing(Sender, children.Count));
        });
    }

    private void Closing(IActorRef replyTo, int remaining)
    {
        Receive<Terminated>(_ =>
        {
            if (--remaining == 0) replyTo.Tell(Closed.Instance);
        });
        Receive<AcceptConnection>(accept => Refuse(accept.Transport));
        Receive<Close>(_ => Sender.Tell(Closed.Instance));
    }

    /// <summary>A connection that came in while the server shuts down: closed with 1001 at once, through an outbox of its own.</summary>
    private void Refuse(ISocketTransport transport)
    {
        var outbox = new SocketOutbox(transport, _server.Codec, 1, 1, _server.TransportLogger, "refused");
        transport.Attach(ActorRefs.Nobody, outbox);
        outbox.Close(CloseCodes.GoingAway, "Server is shutting down");
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(error =>
        {
            ServerLog.SocketActorFailed(_logger, Sender.Path.Name, error);
            return Directive.Stop;
        });
}
