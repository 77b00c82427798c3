using AGServer.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AGServer.Hosting;

/// <summary>
/// Starts and stops the node's <see cref="SocketClusterServer"/> with the host, after Akka.Hosting started the actor
/// system: joins the cluster on start; on stop it disconnects every socket with 1001 (clients reconnect elsewhere),
/// before Akka.Hosting's coordinated shutdown leaves the cluster and hands this node's channel shards off.
/// With discovery (no seeds) the start does not wait for the cluster: Kestrel must answer the other nodes' probes
/// (and report not ready) while <see cref="DiscoveryBootstrap"/> finds or forms the cluster; nor does a restarted
/// first seed's, which waits for the others as long as it takes (<see cref="FirstSeedFormation"/>).
/// </summary>
internal sealed class AGServerNode(SocketClusterServer server, NodeOptions node, IHostApplicationLifetime lifetime, ILogger<AGServerNode> logger) : IHostedService
{
    private Task? _closing;
    private Task? _bootstrap;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A restarted first seed elsewhere looks for this actor to know whether this node is in a cluster.
        var system = server.System;
        Cluster.Get(system).RegisterOnMemberUp(() => system.ActorOf(Props.Empty, FirstSeedFormation.MemberMarker));
        if (node.Discovery is not null)
        {
            lifetime.ApplicationStopping.Register(() => _closing ??= CloseSockets());
            _bootstrap = Bootstrap(lifetime.ApplicationStopping);
            return;
        }
        if (node.DataDirectory is { } dataDirectory) server.System.ActorOf(KnownMembers.Props(dataDirectory), "agserver-known-members");
        // On SIGTERM (or any stop) close the sockets first, while Kestrel still runs: Kestrel's own stop waits for
        // the WebSocket requests, which end as their sockets close.
        lifetime.ApplicationStopping.Register(() => _closing ??= CloseSockets());
        if (KnownMembers.GuardsFirstSeed(node))
        {
            // A restarted first seed may wait for the others as long as it cannot reach them: Kestrel serves meanwhile
            // (not ready), as with discovery.
            var others = KnownMembers.SeedsWithRemembered(node).Select(Address.Parse);
            server.System.ActorOf(FirstSeedFormation.Props(others, logger), "agserver-first-seed");
            _bootstrap = WhenUp(lifetime.ApplicationStopping);
            return;
        }
        await server.StartAsync(cancellationToken);
        ServerLog.NodeUp(logger, Cluster.Get(server.System).SelfAddress.ToString());
    }

    private async Task WhenUp(CancellationToken stopping)
    {
        try
        {
            await server.StartAsync(stopping);
            ServerLog.NodeUp(logger, Cluster.Get(server.System).SelfAddress.ToString());
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Bootstrap(CancellationToken stopping)
    {
        try
        {
            await new DiscoveryBootstrap(server.System, node, logger).JoinAsync(stopping);
            await server.WhenJoinedAsync(stopping);
            ServerLog.NodeUp(logger, Cluster.Get(server.System).SelfAddress.ToString());
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            // The node stays out of the cluster and not ready (its readiness probe says so); the log says why.
            ServerLog.BootstrapFailed(logger, node.Discovery!, error);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        server.System.WhenTerminated.IsCompleted ? Task.CompletedTask : _closing ??= CloseSockets();

    private async Task CloseSockets()
    {
        try
        {
            await server.CloseAsync();
        }
        catch (Exception error)
        {
            ServerLog.CloseSocketsFailed(logger, error);
        }
    }
}
