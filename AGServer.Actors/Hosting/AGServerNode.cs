using Akka.Actor;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AGServer.Hosting;

/// <summary>
/// One node: its actor system (configured from cluster.hocon and <see cref="NodeOptions"/>) and its
/// <see cref="AGServer"/>. Started and stopped by the host: joins the cluster on start; on stop it disconnects
/// every socket with 1001 (clients reconnect elsewhere), leaves the cluster and hands off its shards.
/// </summary>
public sealed class AGServerNode : IHostedService
{
    private readonly ILogger<AGServerNode> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private Task? _closing;

    public AGServerNode(NodeOptions node, Server.AGServerOptions options, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime)
    {
        options.Validate();
        _logger = loggerFactory.CreateLogger<AGServerNode>();
        _lifetime = lifetime;
        Node = node;
        System = ActorSystem.Create(NodeOptions.ActorSystemName, Internal.AkkaLoggerBridge.Setup(AkkaConfig.For(node, node.ExtraHocon), loggerFactory));
        Server = new SocketClusterServer(System, options, loggerFactory);
    }

    public NodeOptions Node { get; }

    public ActorSystem System { get; }

    public SocketClusterServer Server { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Server.StartAsync(cancellationToken);
        // On SIGTERM (or any stop) close the sockets first, while Kestrel still runs: Kestrel's own stop waits for
        // the WebSocket requests, which end as their sockets close.
        _lifetime.ApplicationStopping.Register(() => _closing ??= CloseSockets());
        _logger.LogInformation("AGServer node {Address} is up", Akka.Cluster.Cluster.Get(System).SelfAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (System.WhenTerminated.IsCompleted) return;
        await (_closing ??= CloseSockets());
        // Leaves the cluster, handing this node's channel shards off to the others.
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }

    private async Task CloseSockets()
    {
        try
        {
            await Server.CloseAsync();
        }
        catch (Exception error)
        {
            _logger.LogWarning(error, "Closing sockets did not finish cleanly");
        }
    }
}
